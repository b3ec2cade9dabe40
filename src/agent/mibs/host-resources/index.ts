// hostagt: HOST-RESOURCES-MIB (RFC 2790) — system, storage, devices, processors, running and
// installed software. Every value comes from the shared host-data cache; the cache's 'change'
// events bring the tables up to date (row diff, never clear-and-refill), and request handlers
// only read memory.
//
// Writable objects of the RFC are served read-only: hrSystemDate (setting the host clock is
// the OS's business), hrStorageSize, hrSWRunStatus (killing a process over SNMP): the tables
// come from the MIB text with `readOnly`.
import type { AgentContext, AgentModule, SnmpValue, TableHandle } from '../../mib-module.js';
import { OID } from '../../oids.js';
import { encodeDateAndTime, holdHostData, syncTable } from '../../hostdata/index.js';
import type { HostDataHold, HostTopic } from '../../hostdata/index.js';
import { clip, UNKNOWN_DATE } from '../../hostdata/columns.js';
import { tableDefFromMib } from '../../mib-tables.js';

const H = OID.host;
export const HR = {
  hrSystemUptime: `${H}.1.1`,
  hrSystemDate: `${H}.1.2`,
  hrSystemInitialLoadDevice: `${H}.1.3`,
  hrSystemInitialLoadParameters: `${H}.1.4`,
  hrSystemNumUsers: `${H}.1.5`,
  hrSystemProcesses: `${H}.1.6`,
  hrSystemMaxProcesses: `${H}.1.7`,
  hrStorageTypes: `${H}.2.1`,
  hrMemorySize: `${H}.2.2`,
  hrStorageEntry: `${H}.2.3.1`,
  hrDeviceTypes: `${H}.3.1`,
  hrDeviceEntry: `${H}.3.2.1`,
  hrProcessorEntry: `${H}.3.3.1`,
  hrNetworkEntry: `${H}.3.4.1`,
  hrSWOSIndex: `${H}.4.1`,
  hrSWRunEntry: `${H}.4.2.1`,
  hrSWRunPerfEntry: `${H}.5.1.1`,
  hrSWInstalledLastChange: `${H}.6.1`,
  hrSWInstalledLastUpdateTime: `${H}.6.2`,
  hrSWInstalledEntry: `${H}.6.3.1`,
} as const;

const STORAGE_TYPE = { other: 1, ram: 2, virtualMemory: 3, fixedDisk: 4 } as const;
const DEVICE_TYPE = { processor: 3, network: 4, diskStorage: 6 } as const;

let hold: HostDataHold | undefined;

export const hostModule: AgentModule = {
  name: 'hostagt',

  async start(ctx: AgentContext) {
    hold = await holdHostData({ upTime: () => ctx.sysUpTime(), rootDir: ctx.rootDir });
    const c = hold.cache;

    // hrSystem
    ctx.scalar({ name: 'hrSystemUptime', oid: HR.hrSystemUptime, type: 'TimeTicks', access: 'read-only', get: () => c.system().uptimeCs });
    ctx.scalar({ name: 'hrSystemDate', oid: HR.hrSystemDate, type: 'OctetString', access: 'read-only', get: () => encodeDateAndTime(new Date()) });
    ctx.scalar({ name: 'hrSystemInitialLoadDevice', oid: HR.hrSystemInitialLoadDevice, type: 'Integer', access: 'read-only', get: () => c.initialLoadDevice() });
    ctx.scalar({ name: 'hrSystemInitialLoadParameters', oid: HR.hrSystemInitialLoadParameters, type: 'OctetString', access: 'read-only', get: () => clip(c.system().initialLoadParameters, 128) });
    ctx.scalar({ name: 'hrSystemNumUsers', oid: HR.hrSystemNumUsers, type: 'Gauge', access: 'read-only', get: () => c.system().numUsers });
    ctx.scalar({ name: 'hrSystemProcesses', oid: HR.hrSystemProcesses, type: 'Gauge', access: 'read-only', get: () => c.system().processes });
    ctx.scalar({ name: 'hrSystemMaxProcesses', oid: HR.hrSystemMaxProcesses, type: 'Integer', access: 'read-only', get: () => c.system().maxProcesses });

    // hrStorage
    ctx.scalar({ name: 'hrMemorySize', oid: HR.hrMemorySize, type: 'Integer', access: 'read-only', get: () => c.memorySizeKB() });
    const storage = ctx.table(tableDefFromMib('HOST-RESOURCES-MIB', 'hrStorageTable', { readOnly: true }));

    // hrDevice
    const devices = ctx.table(tableDefFromMib('HOST-RESOURCES-MIB', 'hrDeviceTable', { readOnly: true }));
    // hrProcessorEntry and hrNetworkEntry: INDEX { hrDeviceIndex }, a column of hrDeviceTable
    // (rows: device index first).
    const processors = ctx.table(tableDefFromMib('HOST-RESOURCES-MIB', 'hrProcessorTable', { readOnly: true }));
    const networks = ctx.table(tableDefFromMib('HOST-RESOURCES-MIB', 'hrNetworkTable', { readOnly: true }));

    // hrSWRun, hrSWRunPerf
    ctx.scalar({ name: 'hrSWOSIndex', oid: HR.hrSWOSIndex, type: 'Integer', access: 'read-only', value: 1 });
    const swRun = ctx.table(tableDefFromMib('HOST-RESOURCES-MIB', 'hrSWRunTable', { readOnly: true }));
    // hrSWRunPerfEntry AUGMENTS hrSWRunEntry: indexed by hrSWRunIndex of hrSWRunTable.
    const swRunPerf = ctx.table(tableDefFromMib('HOST-RESOURCES-MIB', 'hrSWRunPerfTable', { readOnly: true }));

    // hrSWInstalled
    ctx.scalar({ name: 'hrSWInstalledLastChange', oid: HR.hrSWInstalledLastChange, type: 'TimeTicks', access: 'read-only', get: () => c.installedTimes().lastChange });
    ctx.scalar({ name: 'hrSWInstalledLastUpdateTime', oid: HR.hrSWInstalledLastUpdateTime, type: 'TimeTicks', access: 'read-only', get: () => c.installedTimes().lastUpdate });
    const installed = ctx.table(tableDefFromMib('HOST-RESOURCES-MIB', 'hrSWInstalledTable', { readOnly: true }));

    const first = (row: readonly SnmpValue[]) => [row[0] as number];
    const sync = (t: TableHandle, rows: SnmpValue[][]) => syncTable(t, rows, first);
    const update: Record<HostTopic, () => void> = {
      storage: () => sync(storage, c.storage().map((s) => [s.index, `${HR.hrStorageTypes}.${STORAGE_TYPE[s.type]}`, s.descr, s.allocationUnits, s.size, s.used, 0])),
      devices: () => {
        const devs = c.devices();
        sync(devices, devs.map((d) => [d.index, `${HR.hrDeviceTypes}.${DEVICE_TYPE[d.type]}`, clip(d.descr, 64), '0.0', d.status, d.errors]));
        sync(networks, devs.filter((d) => d.ifIndex !== undefined).map((d) => [d.index, d.ifIndex!]));
      },
      processors: () => {
        sync(processors, c.processors().map((p) => [p.index, '0.0', p.load]));
        update.devices();
      },
      processes: () => {
        const list = c.processes();
        sync(swRun, list.map((p) => [p.pid, clip(p.name, 64), '0.0', clip(p.path, 128), clip(p.parameters, 128), p.type, p.status]));
        sync(swRunPerf, list.map((p) => [p.pid, p.cpuCs % 2147483648, Math.min(p.memKB, 2147483647)]));
      },
      installed: () => sync(installed, c.installed().map((p) => [p.index, clip(p.name, 64), '0.0', 4, p.installedMs === undefined ? UNKNOWN_DATE : encodeDateAndTime(new Date(p.installedMs))])),
      system: () => undefined,
      interfaces: () => undefined,
    };
    hold.follow(update, (topic, e) => ctx.log('warn', `hostagt: updating rows after a ${topic} refresh failed: ${e instanceof Error ? e.message : String(e)}`));
  },

  stop() {
    hold?.release();
    hold = undefined;
  },
};
