// setany — the guide's CIAgent utility for writing an object (admin guide chapter 4):
//   setany -v2c <location> cspsAdmin critAppAdminStatus.1 1
// A thin command over net-snmp's snmpset. The value's type comes from the object's MIB
// (net-snmp's '=' type), so the guide's lines work as printed: an INTEGER or enumeration
// takes a number or a label (1 or up), an OCTET STRING text, an IpAddress a dotted quad,
// an OBJECT IDENTIFIER a name or numbers. A net-snmp type letter may stand before the
// value to force a type. See ./snmp-utility.ts for the rest.
//
// Exit status: 0 the agent accepted the value, 1 it refused it (why on standard error),
// 2 wrong command line.
import { COMMON_OPTIONS, UsageError, answerInfo, objectName, parseRequest, runMain, snmpRequest } from './snmp-utility.js';

const USAGE = `usage: setany [-v1|-v2c|-v3] [options] <location> <community> <object> [<type>] <value>
       setany -v3 -u USER [-l LEVEL -a PROTOCOL -A PASSPHRASE -x PROTOCOL -X PASSPHRASE] <location> <object> [<type>] <value>
Writes an object of the SNMP agent (ciagent) with snmpset, typing the value from its MIB.
  <object>       an object name with its instance: critAppAdminStatus.1,
                 smLaunchStart.1.67.1.68, sysContact.0, or a numeric OID
  <type>         optional net-snmp type letter, to override the MIB: i INTEGER,
                 u Unsigned32, t TimeTicks, a IpAddress, o OBJECT IDENTIFIER, s text,
                 x hexadecimal octets, d decimal octets, b BITS
  <value>        the new value, read as the MIB's type: a number or label for an INTEGER
                 (critAppAdminStatus.1 1 or up), text for an OCTET STRING, a dotted quad for
                 an IpAddress, a name or numbers for an OBJECT IDENTIFIER
${COMMON_OPTIONS}
Example: setany -v2c localhost cspsAdmin critAppAdminStatus.1 1
`;

const TYPES = new Set(['i', 'u', 't', 'a', 'o', 's', 'x', 'd', 'b', 'U', 'I', 'F', 'D', '=']);

runMain('setany', USAGE, async () => {
  const r = parseRequest(process.argv.slice(2), { allowNegativeLast: true });
  if (r === 'help' || r === 'version') answerInfo('setany', r, USAGE);
  const [word, ...rest] = r.rest;
  if (word === undefined) throw new UsageError('no <object> given');
  const object = objectName(word);
  let type = '=';
  let value: string | undefined;
  if (rest.length === 1) value = rest[0];
  else if (rest.length === 2 && TYPES.has(rest[0])) [type, value] = rest;
  else if (rest.length === 0) throw new UsageError(`no <value> given for ${object}`);
  else throw new UsageError(`after <object> give <value>, or a type letter (${[...TYPES].join(' ')}) and <value>; got '${rest.join(' ')}'`);
  return snmpRequest(r, 'snmpset', [object], [object, type, value!]);
});
