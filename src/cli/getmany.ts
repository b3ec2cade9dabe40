// getmany — the guide's CIAgent utility for reading a whole group or table (admin guide
// chapter 4): getmany -v2c <location> cspsAdmin hrStorageEntry. A thin command over
// net-snmp's snmpbulkwalk (snmpwalk for SNMPv1, which has no GetBulk) of the object's
// subtree, with the product's MIBs loaded; see ./snmp-utility.ts.
//
// Exit status: 0 the subtree was read, 1 the agent refused, did not answer or has nothing
// there (why on standard error), 2 wrong command line.
import { COMMON_OPTIONS, UsageError, answerInfo, objectName, parseRequest, runMain, snmpRequest } from './snmp-utility.js';

const USAGE = `usage: getmany [-v1|-v2c|-v3] [options] <location> <community> <object>
       getmany -v3 -u USER [-l LEVEL -a PROTOCOL -A PASSPHRASE -x PROTOCOL -X PASSPHRASE] <location> <object>
Reads all under <object> from the SNMP agent (ciagent) with snmpbulkwalk (snmpwalk for -v1).
  <object>       a table, entry, column, group or scalar name: hrStorageEntry, ifTable,
                 hrMemorySize, sysApplInstalled, sysApplRun (the guide's "sysAppRun" is
                 read as sysApplRun), or a numeric OID
${COMMON_OPTIONS}
Example: getmany -v2c localhost cspsAdmin hrStorageEntry
`;

runMain('getmany', USAGE, async () => {
  const r = parseRequest(process.argv.slice(2));
  if (r === 'help' || r === 'version') answerInfo('getmany', r, USAGE);
  if (r.rest.length !== 1) throw new UsageError(r.rest.length === 0 ? 'no <object> given' : `one <object> only, not '${r.rest.join(' ')}'`);
  const object = objectName(r.rest[0]);
  return snmpRequest(r, r.version === '1' ? 'snmpwalk' : 'snmpbulkwalk', [object], [object]);
});
