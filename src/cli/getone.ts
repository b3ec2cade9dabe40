// getone — the guide's CIAgent utility for reading objects (admin guide chapter 4):
//   getone -v2c <location> cspsAdmin critAppOperStatus.1
// A thin command over net-snmp's snmpget with the product's MIBs loaded; see
// ./snmp-utility.ts for the argument rules and the error messages.
//
// Exit status: 0 every object read, 1 the agent refused or has no such object (why on
// standard error), 2 wrong command line.
import { COMMON_OPTIONS, UsageError, answerInfo, objectName, parseRequest, runMain, snmpRequest } from './snmp-utility.js';

const USAGE = `usage: getone [-v1|-v2c|-v3] [options] <location> <community> <object>...
       getone -v3 -u USER [-l LEVEL -a PROTOCOL -A PASSPHRASE -x PROTOCOL -X PASSPHRASE] <location> <object>...
Reads objects from the SNMP agent (ciagent) with net-snmp's snmpget, the product's MIBs loaded.
  <object>       an object name with its instance (critAppOperStatus.1, sysUpTime.0), or a
                 numeric OID
${COMMON_OPTIONS}
Example: getone -v2c localhost cspsAdmin critAppOperStatus.1
`;

runMain('getone', USAGE, async () => {
  const r = parseRequest(process.argv.slice(2));
  if (r === 'help' || r === 'version') answerInfo('getone', r, USAGE);
  if (r.rest.length === 0) throw new UsageError('no <object> given');
  const objects = r.rest.map(objectName);
  return snmpRequest(r, 'snmpget', objects, objects);
});
