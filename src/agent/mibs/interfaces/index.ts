// mib2agt's interfaces group: IF-MIB (RFC 2863) ifNumber and ifTable, from the host-data
// cache (Linux: /sys/class/net and /proc/net/dev). ifIndex is the kernel's ifindex, so it
// stays the same while the interface exists. Counters are Counter32 (the kernel's 64-bit
// counters modulo 2^32). ifAdminStatus is served read-only: bringing links up or down over
// SNMP is not something the SIP appliance should do.
import type { AgentContext, AgentModule, SnmpValue } from '../../mib-module.js';
import { OID } from '../../oids.js';
import { holdHostData, syncTable } from '../../hostdata/index.js';
import type { HostDataHold, IfRow } from '../../hostdata/index.js';
import { clip } from '../../hostdata/columns.js';
import { tableDefFromMib } from '../../mib-tables.js';

let hold: HostDataHold | undefined;

/** One ifTable row, columns 1-22 in order. */
export function ifTableRow(i: IfRow): SnmpValue[] {
  return [
    i.index,
    clip(i.descr, 255),
    i.type,
    i.mtu,
    i.speed,
    i.physAddress,
    i.adminStatus,
    i.operStatus,
    i.lastChange,
    i.inOctets,
    i.inUcastPkts,
    i.inNUcastPkts,
    i.inDiscards,
    i.inErrors,
    0, // ifInUnknownProtos: the kernel does not count it per interface
    i.outOctets,
    i.outUcastPkts,
    i.outNUcastPkts,
    i.outDiscards,
    i.outErrors,
    i.outQLen,
    '0.0', // ifSpecific (deprecated)
  ];
}

export const interfacesModule: AgentModule = {
  name: 'interfaces',

  async start(ctx: AgentContext) {
    hold = await holdHostData({ upTime: () => ctx.sysUpTime(), rootDir: ctx.rootDir });
    const c = hold.cache;
    ctx.scalar({ name: 'ifNumber', oid: OID.ifNumber, type: 'Integer', access: 'read-only', get: () => c.interfaces().length });
    const table = ctx.table(tableDefFromMib('IF-MIB', 'ifTable', { readOnly: true }));
    hold.follow(
      { interfaces: () => syncTable(table, c.interfaces().map(ifTableRow), (row) => [row[0] as number]) },
      (_topic, e) => ctx.log('warn', `interfaces: updating ifTable failed: ${e instanceof Error ? e.message : String(e)}`),
    );
  },

  stop() {
    hold?.release();
    hold = undefined;
  },
};
