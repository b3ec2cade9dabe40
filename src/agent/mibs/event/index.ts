// DISMAN-EVENT-MIB (eventagt): the Event MIB tables over the event engine.
//
// Rows come from eventagt.cnf (configDir) and can be added, changed and removed over SNMP:
// mteTriggerTable, mteObjectsTable and mteEventTable take RowStatus createAndGo /
// createAndWait / active / notInService / destroy. The Delta, Existence, Boolean and
// Threshold rows of a trigger (and the Notification and Set rows of an event) share its
// index and appear and disappear with it, as RFC 2981 has them.
//
// The tables' stored rows hold the configuration; after every committed SET the row is
// read back into the engine (`changed`), which reschedules the trigger. Counters are live.
//
// Tables whose INDEX holds another table's columns (mteOwner is mteTriggerTable's; the
// extension tables are indexed like their trigger or event) declare those as foreign index
// components (../../mib-module.ts ForeignIndexDef): their rows carry the foreign values first, then
// their own columns, and no column exists that RFC 2981 does not define.
//
// Rows created over SNMP are written to the eventagt.cnf the module loaded once they are
// active (and taken out when destroyed), so they survive a restart (see "persistence" in start()).
import path from 'node:path';
import type { AgentContext, AgentModule, ColumnDef, IndexValue, SnmpValue, TableHandle } from '../../mib-module.js';
import { OID } from '../../oids.js';
import { tableDefFromMib } from '../../mib-tables.js';
import type { MibTableDef } from '../../mib-tables.js';
import { formatEntryMessage } from '../../cnf/entry-lines.js';
import { loadEventagtCnf } from './eventagt-cnf.js';
import type { EventagtConfig } from './eventagt-cnf.js';
import { eventagtRowAsRead, removeEventagtRow, saveEventagtRow } from './eventagt-cnf-write.js';
import type { EventagtRow } from './eventagt-cnf-write.js';
import { EventEngine } from './engine.js';
import type { EventIo } from './engine.js';
import { defaultEvent, defaultObjects, defaultTrigger, rowKey } from './types.js';
import type { EventRow, ObjectsRow, RowState, TriggerRow } from './types.js';
import {
  applyRow, BOOLEAN_FIELDS, checkCell, DELTA_FIELDS, EVENT_FIELDS, EXISTENCE_FIELDS, idx, NOTIFICATION_FIELDS, OBJECTS_FIELDS,
  rowFrom, SET_FIELDS, stateOf, THRESHOLD_FIELDS, TRIGGER_FIELDS,
} from './fields.js';
import type { Field } from './fields.js';

const E = OID.dismanEventMIB;
export const EVENT_MIB_OIDS = {
  mteResourceSampleMinimum: `${E}.1.1.1`,
  mteResourceSampleInstanceMaximum: `${E}.1.1.2`,
  mteResourceSampleInstances: `${E}.1.1.3`,
  mteResourceSampleInstancesHigh: `${E}.1.1.4`,
  mteResourceSampleInstanceLacks: `${E}.1.1.5`,
  mteTriggerFailures: `${E}.1.2.1`,
  mteTriggerEntry: `${E}.1.2.2.1`,
  mteTriggerDeltaEntry: `${E}.1.2.3.1`,
  mteTriggerExistenceEntry: `${E}.1.2.4.1`,
  mteTriggerBooleanEntry: `${E}.1.2.5.1`,
  mteTriggerThresholdEntry: `${E}.1.2.6.1`,
  mteObjectsEntry: `${E}.1.3.1.1`,
  mteEventFailures: `${E}.1.4.1`,
  mteEventEntry: `${E}.1.4.2.1`,
  mteEventNotificationEntry: `${E}.1.4.3.1`,
  mteEventSetEntry: `${E}.1.4.4.1`,
} as const;

/**
 * A DISMAN-EVENT-MIB table as the MIB text defines it (columns, INDEX with the foreign
 * components RFC 2981 gives the extension tables). The set handlers check values by field
 * kind (./fields.ts) and the create handlers build whole rows, so SYNTAX limits and DEFVALs
 * are left to the module.
 */
function eventTable(name: string): MibTableDef {
  return tableDefFromMib('DISMAN-EVENT-MIB', name, { limits: [], defVals: [] });
}

export interface EventModuleOptions {
  /** Default: <configDir>/eventagt.cnf. */
  configFile?: string;
}

/** The rows a file defined, each as JSON at load time (SNMP changes later mutate the rows). */
interface FileRows {
  resource: string;
  triggers: Map<string, string>;
  objects: Map<string, string>;
  events: Map<string, string>;
}

function fileRows(c: EventagtConfig): FileRows {
  return {
    resource: JSON.stringify(c.resource),
    triggers: new Map(c.triggers.map((t) => [rowKey(t.owner, t.name), JSON.stringify(t)])),
    objects: new Map(c.objects.map((o) => [rowKey(o.owner, o.name, o.index), JSON.stringify(o)])),
    events: new Map(c.events.map((ev) => [rowKey(ev.owner, ev.name), JSON.stringify(ev)])),
  };
}

/** A threshold trigger's rising and falling values, as mteTriggerThresholdRising/Falling take them. */
export interface ThresholdChange {
  readonly rising: number;
  readonly falling: number;
}

export function createEventModule(opts: EventModuleOptions = {}): AgentModule & {
  readonly engine: EventEngine | undefined;
  /** Dr-Web's change of a trigger's thresholds: the same as a SET of the two cells (false: no such trigger). */
  setThresholds(owner: string, name: string, change: ThresholdChange): boolean;
} {
  let engine: EventEngine | undefined;
  let reloadFile: ((ctx: AgentContext) => void) | undefined;
  let thresholdCells: ((index: IndexValue[], cells: Record<string, number>) => boolean) | undefined;

  return {
    name: 'event',
    get engine() {
      return engine;
    },
    setThresholds(owner, name, change) {
      return thresholdCells?.([owner, name], { mteTriggerThresholdRising: change.rising, mteTriggerThresholdFalling: change.falling }) ?? false;
    },

    start(ctx: AgentContext) {
      const file = opts.configFile ?? path.join(ctx.configDir, 'eventagt.cnf');
      const loaded = loadEventagtCnf(file);
      for (const m of loaded.messages) ctx.log(m.severity === 'error' ? 'error' : 'warn', `eventagt.cnf: ${formatEntryMessage(m)}`);

      // Samples go through the tree a manager sees, AgentX subagents' objects included
      // (sipd's SIP MIB counters): a subagent that fails to answer rejects the sample, which
      // the engine counts in mteTriggerFailures.
      const read = ctx.read ?? (async (oid: string) => ctx.get(oid));
      const readAll = ctx.readAll ?? (async (prefix: string) => ctx.walk(prefix));
      const io: EventIo = {
        sample: async (oid) => {
          const v = await read(oid);
          return v ? { type: v.type, value: v.value } : undefined;
        },
        walk: async (prefix) => (await readAll(prefix)).map((v) => ({ oid: v.oid, type: v.type, value: v.value })),
        notify: (trapOid, varbinds) => ctx.notify(trapOid, varbinds),
        log: (level, message) => ctx.log(level, message),
      };
      const e = new EventEngine(io);
      engine = e;
      let fromFile = fileRows(loaded.config);
      e.resource = { ...loaded.config.resource };
      for (const t of loaded.config.triggers) e.putTrigger(t);
      for (const o of loaded.config.objects) e.putObjects(o);
      for (const ev of loaded.config.events) e.putEvent(ev);

      // ---- scalars
      ctx.scalar({
        name: 'mteResourceSampleMinimum', oid: EVENT_MIB_OIDS.mteResourceSampleMinimum, type: 'Integer', access: 'read-write',
        get: () => e.resource.sampleMinimum,
        set: (v, phase) => {
          if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 2147483647) return 'wrongValue';
          if (phase === 'commit') e.resource.sampleMinimum = v;
          return undefined;
        },
      });
      ctx.scalar({
        name: 'mteResourceSampleInstanceMaximum', oid: EVENT_MIB_OIDS.mteResourceSampleInstanceMaximum, type: 'Unsigned32', access: 'read-write',
        get: () => e.resource.sampleInstanceMaximum,
        set: (v, phase) => {
          if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 4294967295) return 'wrongValue';
          if (phase === 'commit') e.resource.sampleInstanceMaximum = v;
          return undefined;
        },
      });
      ctx.scalar({ name: 'mteResourceSampleInstances', oid: EVENT_MIB_OIDS.mteResourceSampleInstances, type: 'Gauge32', access: 'read-only', get: () => e.sampleInstances });
      ctx.scalar({ name: 'mteResourceSampleInstancesHigh', oid: EVENT_MIB_OIDS.mteResourceSampleInstancesHigh, type: 'Gauge32', access: 'read-only', get: () => e.sampleInstancesHigh });
      ctx.scalar({ name: 'mteResourceSampleInstanceLacks', oid: EVENT_MIB_OIDS.mteResourceSampleInstanceLacks, type: 'Counter32', access: 'read-only', get: () => e.sampleInstanceLacks % 2 ** 32 });
      ctx.scalar({ name: 'mteTriggerFailures', oid: EVENT_MIB_OIDS.mteTriggerFailures, type: 'Counter32', access: 'read-only', get: () => e.triggerFailures % 2 ** 32 });
      ctx.scalar({ name: 'mteEventFailures', oid: EVENT_MIB_OIDS.mteEventFailures, type: 'Counter32', access: 'read-only', get: () => e.eventFailures % 2 ** 32 });

      // ---- persistence of rows created over SNMP
      // Rows created over SNMP in this run are written to the file when they become active
      // and again whenever they change after that (a trigger's threshold cells can only be
      // set once its row exists, so creating one takes several PDUs). Rows that came from
      // the file are not rewritten by SETs of their cells (as critagt.cnf); destroying any
      // row takes it out of the file. `fromFile` is kept as if the file had been re-read, so
      // a SIGHUP leaves the rows written here running untouched.
      const created = new Set<string>(); // 't'/'o'/'e' + row key
      const persist = (what: string, r: EventagtRow, map: Map<string, string>, key: string, write: () => boolean, removing = false) => {
        try {
          if (write()) ctx.log('info', `eventagt.cnf: ${what} over SNMP; ${file} updated`);
          if (removing) map.delete(key);
          else map.set(key, JSON.stringify(Object.values(eventagtRowAsRead(r, file))[0]));
        } catch (err) {
          ctx.log('error', `eventagt.cnf: ${what} over SNMP, but ${file} cannot be written (${(err as Error).message}); the change lasts until ciagent restarts`);
        }
      };
      const saveTrigger = (t: TriggerRow) => {
        const k = rowKey(t.owner, t.name);
        if (!created.has(`t${k}`) || (t.status !== 'active' && !fromFile.triggers.has(k))) return;
        persist(`trigger ${t.owner}/${t.name} was set`, { trigger: t }, fromFile.triggers, k, () => saveEventagtRow(file, { trigger: t }));
      };
      const saveObjects = (o: ObjectsRow) => {
        const k = rowKey(o.owner, o.name, o.index);
        if (!created.has(`o${k}`) || (o.status !== 'active' && !fromFile.objects.has(k))) return;
        persist(`objects ${o.owner}/${o.name}/${o.index} was set`, { objects: o }, fromFile.objects, k, () => saveEventagtRow(file, { objects: o }));
      };
      const saveEvent = (ev: EventRow) => {
        const k = rowKey(ev.owner, ev.name);
        if (!created.has(`e${k}`) || (ev.status !== 'active' && !fromFile.events.has(k))) return;
        persist(`event ${ev.owner}/${ev.name} was set`, { event: ev }, fromFile.events, k, () => saveEventagtRow(file, { event: ev }));
      };

      /**
       * An extension table (RFC 2981: the Delta/Existence/Boolean/Threshold rows of a trigger, the
       * Notification/Set rows of an event): indexed like its trigger or event, rows come and go
       * with it (no creation over SNMP); a SET of a cell is read back into the engine's row.
       */
      const extensionTable = <R,>(name: string, fields: Field<R>[], find: (index: IndexValue[]) => R | undefined, applied: (r: R) => void) => {
        const def = eventTable(name);
        const columns = def.columns;
        const handle: TableHandle = ctx.table({
          ...def,
          set: (cell, phase) => {
            if (!find(cell.index)) return 'noCreation';
            return phase === 'test' ? checkCell(columns, fields, cell) : undefined;
          },
          create: () => undefined, // rows come with their mteTriggerEntry / mteEventEntry
          changed: (index, row) => apply(index, row),
        });
        const apply = (index: IndexValue[], row: SnmpValue[]) => {
          const r = find(index);
          if (!r) return;
          applyRow(columns, 2, row, fields, r);
          applied(r);
        };
        /** Cells set by name, then what a committed SET of them does (Dr-Web's thresholds form). */
        const setCells = (index: IndexValue[], cells: Record<string, number>): boolean => {
          if (!find(index)) return false;
          for (const [name, value] of Object.entries(cells)) handle.setCell(index, columns.find((c) => c.name === name)!.number, value);
          apply(index, handle.getRow(index)!);
          return true;
        };
        return { handle, columns, fields, setCells };
      };

      // ---- trigger table + extensions (registered after it: they take its index columns)
      const trigDef = eventTable('mteTriggerTable');
      const trigCols = trigDef.columns;
      const trigRow = (t: TriggerRow, status: RowState) => rowFrom(trigCols, [], [t.owner, t.name], TRIGGER_FIELDS, t, status);
      const trig: TableHandle = ctx.table({
        ...trigDef,
        set: (cell, phase) => {
          if (cell.column === 15) return undefined; // RowStatus: the core runs the state machine
          if (phase === 'test') {
            const err = checkCell(trigCols, TRIGGER_FIELDS, cell);
            if (err) return err;
            if (cell.column === 11 && Number(cell.value) < e.resource.sampleMinimum) return 'wrongValue';
          }
          return undefined;
        },
        create: (index, action) => {
          const owner = idx(index[0]);
          const name = idx(index[1]);
          if (name === '' || Buffer.byteLength(name) > 32 || Buffer.byteLength(owner) > 32) return undefined;
          created.add(`t${rowKey(owner, name)}`);
          return trigRow(defaultTrigger(owner, name), action === 'createAndGo' ? 'active' : 'notInService');
        },
        destroyed: (index) => {
          const [owner, name] = [idx(index[0]), idx(index[1])];
          e.deleteTrigger(owner, name);
          for (const x of ext) x.handle.deleteRow([owner, name]);
          const k = rowKey(owner, name);
          created.delete(`t${k}`);
          const r = { trigger: defaultTrigger(owner, name) };
          persist(`trigger ${owner}/${name} was destroyed`, r, fromFile.triggers, k, () => removeEventagtRow(file, r), true);
        },
        changed: (index, row) => {
          const [owner, name] = [idx(index[0]), idx(index[1])];
          const existing = e.getTrigger(owner, name);
          const t = existing ?? defaultTrigger(owner, name);
          applyRow(trigCols, 0, row, TRIGGER_FIELDS, t);
          t.status = stateOf(row[trigCols.findIndex((c) => c.rowStatus)]);
          if (!existing) {
            e.putTrigger(t);
            for (const x of ext) x.handle.setRow(rowFrom(x.columns, [owner, name], [], x.fields, t));
          } else e.triggerChanged(owner, name);
          saveTrigger(t);
        },
      });
      const trigExtensions: Array<[string, Field<TriggerRow>[]]> = [
        ['mteTriggerDeltaTable', DELTA_FIELDS],
        ['mteTriggerExistenceTable', EXISTENCE_FIELDS],
        ['mteTriggerBooleanTable', BOOLEAN_FIELDS],
        ['mteTriggerThresholdTable', THRESHOLD_FIELDS],
      ];
      const ext = trigExtensions.map(([name, fields]) =>
        extensionTable(name, fields, (index) => e.getTrigger(idx(index[0]), idx(index[1])), (t) => {
          e.triggerChanged(t.owner, t.name);
          saveTrigger(t);
        }),
      );
      thresholdCells = ext[trigExtensions.findIndex(([n]) => n === 'mteTriggerThresholdTable')].setCells;
      const putTriggerRows = (t: TriggerRow) => {
        trig.setRow(trigRow(t, t.status));
        for (const x of ext) x.handle.setRow(rowFrom(x.columns, [t.owner, t.name], [], x.fields, t));
      };
      for (const t of e.triggers.values()) putTriggerRows(t);

      // ---- objects table: INDEX { mteOwner, mteObjectsName, mteObjectsIndex }
      const objDef = eventTable('mteObjectsTable');
      const objCols = objDef.columns;
      const rowFromObjects = (o: ObjectsRow, status: RowState) => rowFrom(objCols, [o.owner], [o.name, o.index], OBJECTS_FIELDS, o, status);
      const objs: TableHandle = ctx.table({
        ...objDef,
        set: (cell, phase) => (cell.column === 5 || phase === 'commit' ? undefined : checkCell(objCols, OBJECTS_FIELDS, cell)),
        create: (index, action) => {
          const [owner, name, n] = [idx(index[0]), idx(index[1]), Number(index[2])];
          if (name === '' || !Number.isInteger(n) || n < 1) return undefined;
          created.add(`o${rowKey(owner, name, n)}`);
          return rowFromObjects(defaultObjects(owner, name, n), action === 'createAndGo' ? 'active' : 'notInService');
        },
        destroyed: (index) => {
          const [owner, name, n] = [idx(index[0]), idx(index[1]), Number(index[2])];
          e.deleteObjects(owner, name, n);
          const k = rowKey(owner, name, n);
          created.delete(`o${k}`);
          const r = { objects: defaultObjects(owner, name, n) };
          persist(`objects ${owner}/${name}/${n} was destroyed`, r, fromFile.objects, k, () => removeEventagtRow(file, r), true);
        },
        changed: (index, row) => {
          const [owner, name, n] = [idx(index[0]), idx(index[1]), Number(index[2])];
          const o = e.objects.get(rowKey(owner, name, n)) ?? defaultObjects(owner, name, n);
          applyRow(objCols, 1, row, OBJECTS_FIELDS, o);
          o.status = stateOf(row[1 + objCols.findIndex((c) => c.rowStatus)]);
          e.putObjects(o);
          saveObjects(o);
        },
      });
      for (const o of e.objects.values()) objs.setRow(rowFromObjects(o, o.status));

      // ---- event table + notification/set extensions: INDEX { mteOwner, IMPLIED mteEventName }
      const evDef = eventTable('mteEventTable');
      const evCols = evDef.columns;
      const evRow = (ev: EventRow, status: RowState) => rowFrom(evCols, [ev.owner], [ev.name], EVENT_FIELDS, ev, status);
      const evs: TableHandle = ctx.table({
        ...evDef,
        set: (cell, phase) => (cell.column === 5 || phase === 'commit' ? undefined : checkCell(evCols, EVENT_FIELDS, cell)),
        create: (index, action) => {
          const [owner, name] = [idx(index[0]), idx(index[1])];
          if (name === '' || Buffer.byteLength(name) > 32) return undefined;
          created.add(`e${rowKey(owner, name)}`);
          return evRow(defaultEvent(owner, name), action === 'createAndGo' ? 'active' : 'notInService');
        },
        destroyed: (index) => {
          const [owner, name] = [idx(index[0]), idx(index[1])];
          e.deleteEvent(owner, name);
          for (const x of evExt) x.handle.deleteRow([owner, name]);
          const k = rowKey(owner, name);
          created.delete(`e${k}`);
          const r = { event: defaultEvent(owner, name) };
          persist(`event ${owner}/${name} was destroyed`, r, fromFile.events, k, () => removeEventagtRow(file, r), true);
        },
        changed: (index, row) => {
          const [owner, name] = [idx(index[0]), idx(index[1])];
          const existing = e.getEvent(owner, name);
          const ev = existing ?? defaultEvent(owner, name);
          applyRow(evCols, 1, row, EVENT_FIELDS, ev);
          ev.status = stateOf(row[1 + evCols.findIndex((c) => c.rowStatus)]);
          if (!existing) {
            e.putEvent(ev);
            for (const x of evExt) x.handle.setRow(extRow(x, ev));
          }
          saveEvent(ev);
        },
      });
      const evExtensions: Array<[string, Field<EventRow>[]]> = [
        ['mteEventNotificationTable', NOTIFICATION_FIELDS],
        ['mteEventSetTable', SET_FIELDS],
      ];
      const evExt = evExtensions.map(([name, fields]) => extensionTable(name, fields, (index) => e.getEvent(idx(index[0]), idx(index[1])), saveEvent));
      const extRow = <R>(x: { columns: ColumnDef[]; fields: Field<R>[] }, r: R & { owner: string; name: string }) => rowFrom(x.columns, [r.owner, r.name], [], x.fields, r);
      for (const ev of e.events.values()) {
        evs.setRow(evRow(ev, ev.status));
        for (const x of evExt) x.handle.setRow(extRow(x, ev));
      }

      /**
       * SIGHUP: compare the file with what it said at the last load. Rows it added, changed or
       * removed are put, replaced or deleted; rows it did not change are left exactly as they
       * run (sampling state, SNMP changes, SNMP deletions), so an unchanged trigger does not
       * start over and fire its startup event again. Rows created over SNMP are not touched
       * unless the file now defines the same index.
       */
      reloadFile = (rctx) => {
        const again = loadEventagtCnf(file);
        for (const m of again.messages) rctx.log(m.severity === 'error' ? 'error' : 'warn', `eventagt.cnf: ${formatEntryMessage(m)}`);
        if (!again.ok) {
          rctx.log('error', 'eventagt.cnf has errors; the running configuration is kept');
          return;
        }
        const next = fileRows(again.config);
        const before = fromFile;
        fromFile = next;
        if (next.resource !== before.resource) e.resource = { ...again.config.resource };
        let changes = 0;
        // Events and objects first, so that a trigger (re)started below finds them.
        for (const [k, json] of before.events) {
          if (next.events.has(k)) continue;
          const { owner, name } = JSON.parse(json) as EventRow;
          e.deleteEvent(owner, name);
          evs.deleteRow([owner, name]);
          for (const x of evExt) x.handle.deleteRow([owner, name]);
          changes++;
        }
        for (const ev of again.config.events) {
          const k = rowKey(ev.owner, ev.name);
          if (before.events.get(k) === next.events.get(k)) continue;
          e.putEvent(ev);
          evs.setRow(evRow(ev, ev.status));
          for (const x of evExt) x.handle.setRow(extRow(x, ev));
          changes++;
        }
        for (const [k, json] of before.objects) {
          if (next.objects.has(k)) continue;
          const { owner, name, index } = JSON.parse(json) as ObjectsRow;
          e.deleteObjects(owner, name, index);
          objs.deleteRow([owner, name, index]);
          changes++;
        }
        for (const o of again.config.objects) {
          const k = rowKey(o.owner, o.name, o.index);
          if (before.objects.get(k) === next.objects.get(k)) continue;
          e.putObjects(o);
          objs.setRow(rowFromObjects(o, o.status));
          changes++;
        }
        for (const [k, json] of before.triggers) {
          if (next.triggers.has(k)) continue;
          const { owner, name } = JSON.parse(json) as TriggerRow;
          e.deleteTrigger(owner, name);
          trig.deleteRow([owner, name]);
          for (const x of ext) x.handle.deleteRow([owner, name]);
          changes++;
        }
        for (const t of again.config.triggers) {
          const k = rowKey(t.owner, t.name);
          if (before.triggers.get(k) === next.triggers.get(k)) continue;
          e.putTrigger(t); // a new or changed trigger starts over (its startup sample)
          putTriggerRows(t);
          changes++;
        }
        rctx.log('info', `eventagt.cnf re-read: ${changes} row(s) added, changed or removed`);
      };

      e.start();
    },

    reload(ctx: AgentContext) {
      reloadFile?.(ctx);
    },

    stop() {
      engine?.stop();
    },
  };
}

/** The module ciagent loads (configDir/eventagt.cnf). */
export const eventModule = createEventModule();
