// OPENSPS-NOTIFY-MIB (mibs/OPENSPS-NOTIFY-MIB): the inform counters of the notification
// originator (./originator.ts). The originator belongs to the agent's core, as the snmp group's
// counters do, so the core registers these scalars itself rather than through AGENT_MODULES,
// with their OIDs from oids.ts (an agent started over a directory without mibs/ serves them too).
import type { ScalarDef, ScalarHandle } from '../../mib-module.js';
import { OID } from '../../oids.js';
import type { InformCounters } from './originator.js';

/** Register the four Counter32 scalars, read live from `counters`. */
export function registerNotifyMib(scalar: (def: ScalarDef) => ScalarHandle, counters: Readonly<InformCounters>): void {
  const counter = (name: string, sub: number, get: () => number) =>
    scalar({ name, oid: `${OID.openSpsNotifyObjects}.${sub}`, type: 'Counter', access: 'read-only', get: () => get() % 2 ** 32 });
  counter('openSpsInformsSent', 1, () => counters.sent);
  counter('openSpsInformsAcknowledged', 2, () => counters.acknowledged);
  counter('openSpsInformsUnacknowledged', 3, () => counters.unacknowledged);
  counter('openSpsInformRetransmissions', 4, () => counters.retransmissions);
}
