// Child process for the defect 4 regression test (a remote crash must be observed in a
// process of its own). Usage: node defect4-child.js fixed|unfixed PORT
// Serves DISMAN-EVENT-MIB's mteTriggerTable with the RowStatus column marked (defect 3
// fixed in both modes) and DEFVALs as the library leaves them (unfixed) or converted (fixed).
import path from 'node:path';
import { createNetSnmpAgent } from '../../../src/agent/net-snmp/index.js';
import { MibLibrary } from '../../../src/agent/mib-store.js';
import { REPO } from '../../helpers/paths.js';

const [mode, portText] = process.argv.slice(2);
const fixed = mode === 'fixed';
const dirs = [path.join(REPO, 'mibs'), path.join(REPO, 'mibs', 'base')];
const lib = new MibLibrary({ dirs, fixes: fixed });
if (!fixed) {
  lib.load('SNMP-FRAMEWORK-MIB');
  lib.load('SNMP-TARGET-MIB');
}
const provider = lib.tableProvider('DISMAN-EVENT-MIB', 'mteTriggerTable');
for (const c of provider.tableColumns ?? []) if (c.name === 'mteTriggerEntryStatus') c.rowStatus = true;
const agent = createNetSnmpAgent({ address: '127.0.0.1', port: Number(portText), fixes: fixed });
agent.raw.getAuthorizer().addCommunity('public');
agent.mib.registerProvider(provider);
agent.listening.then(
  () => process.stdout.write('listening\n'),
  (e: Error) => {
    process.stderr.write(`${e.message}\n`);
    process.exit(3);
  },
);
setTimeout(() => process.exit(0), 60_000).unref();
