// SNMPv2-MIB system group (RFC 3418): sysDescr … sysServices and sysORTable.
// sysContact, sysName and sysLocation start from snmpd.cnf (or sensible defaults) and are
// writable over SNMP where the VACM write view allows it; a SET lasts until the next
// restart (snmpd.cnf stays the place to make it permanent).
import os from 'node:os';
import path from 'node:path';
import type { AgentModule, SetError, SnmpValue } from '../../mib-module.js';
import { OID } from '../../oids.js';
import { readSnmpdCnf } from '../../cnf/snmpd-cnf.js';
import { VERSION } from '../../../common/install.js';
import { tableDefFromMib } from '../../mib-tables.js';

/** Host + application layers (RFC 3418 sysServices: 8 + 64). */
const SYS_SERVICES = 72;

const SYS_OR = [
  { id: '1.3.6.1.6.3.1', descr: 'SNMPv2-MIB: the MIB module for SNMP entities' },
  { id: OID.vacmMIB, descr: 'SNMP-VIEW-BASED-ACM-MIB: view-based access control (configured in snmpd.cnf)' },
  { id: OID.usmMIB, descr: 'SNMP-USER-BASED-SM-MIB: SNMPv3 user-based security (configured in snmpd.cnf)' },
];

export function defaultSysDescr(): string {
  return `OpenSPS ciagent ${VERSION} SNMP master agent on ${os.type()} ${os.release()} ${os.arch()}`;
}

function displayString(value: SnmpValue): SetError | undefined {
  const s = Buffer.isBuffer(value) ? value : Buffer.from(String(value ?? ''));
  if (s.length > 255) return 'wrongLength';
  // DisplayString is NVT ASCII (RFC 2579): printable characters, CR, LF, TAB.
  for (const b of s) if (b > 126 || (b < 32 && b !== 9 && b !== 10 && b !== 13)) return 'wrongValue';
  return undefined;
}

export const systemModule: AgentModule = {
  name: 'system',
  start(ctx) {
    const { config } = readSnmpdCnf(path.join(ctx.configDir, 'snmpd.cnf'));
    const writable = (name: string, sub: number, initial: string) =>
      ctx.scalar({
        name, oid: `${OID.system}.${sub}`, type: 'OctetString', access: 'read-write', value: initial,
        constraints: { sizes: [{ min: 0, max: 255 }] },
        set: (value, phase) => (phase === 'test' ? displayString(value) : undefined),
      });
    ctx.scalar({ name: 'sysDescr', oid: OID.sysDescr, type: 'OctetString', access: 'read-only', value: config.sysDescr ?? defaultSysDescr() });
    ctx.scalar({ name: 'sysObjectID', oid: OID.sysObjectID, type: 'OID', access: 'read-only', value: OID.openSpsCiagent });
    ctx.scalar({ name: 'sysUpTime', oid: OID.sysUpTime, type: 'TimeTicks', access: 'read-only', get: () => ctx.sysUpTime() });
    writable('sysContact', 4, config.sysContact ?? '');
    writable('sysName', 5, config.sysName ?? os.hostname());
    writable('sysLocation', 6, config.sysLocation ?? '');
    ctx.scalar({ name: 'sysServices', oid: OID.sysServices, type: 'Integer', access: 'read-only', value: SYS_SERVICES });
    ctx.scalar({ name: 'sysORLastChange', oid: OID.sysORLastChange, type: 'TimeTicks', access: 'read-only', value: 0 });
    const table = ctx.table(tableDefFromMib('SNMPv2-MIB', 'sysORTable', { readOnly: true }));
    SYS_OR.forEach((e, i) => table.setRow([i + 1, e.id, e.descr, 0]));
  },
  stop() {
    // Nothing of its own to stop: the registrations go with the agent.
  },
};
