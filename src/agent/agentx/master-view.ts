// The view the SNMP request path gets of the subagents' OID space for one request
// (ExternalView, ../net-snmp/external.ts): Get, GetNext, GetBulk (RFC 2741 §6.2.7, with a
// GetNext fallback for subagents whose GetBulk answers are unusable) and the two-phase SET
// (TestSet, CommitSet, UndoSet, CleanupSet; RFC 2741 §7.2.5) on the owning sessions.
import type { ExternalRegion, ExternalSet, ExternalView, RawVarbind } from '../net-snmp/index.js';
import { compareOids, ErrorStatus, ExternalError, ObjectType, oidToAddress } from '../net-snmp/index.js';
import type { LogLevel } from '../mib-module.js';
import type { Pdu } from '../../common/agentx/pdu.js';
import { regionAfter, regionAt, successor } from './registry.js';
import type { Region, Registration } from './registry.js';
import type { Connection, Session } from './sessions.js';
import { fromRawVarbind, snmpStatus, toRawVarbind } from './varbinds.js';

/** Repetitions asked of a subagent in one GetBulk (its answer is one stream message). */
const MAX_BULK_REPETITIONS = 100;

/** What a view needs of the master. */
export interface ViewHost {
  readonly sessions: ReadonlyMap<number, Session>;
  readonly options: { log: (level: LogLevel, message: string) => void };
  request(session: Session, pdu: Pdu, timeoutMs: number): Promise<Pdu & { type: 18 }>;
  send(conn: Connection, pdu: Pdu, bigEndian: boolean): void;
  timeoutFor(reg: Registration): number;
}

/** The view over `regions` for one request (`local`: our own provider subtrees). */
export function regionView(master: ViewHost, regions: Region[], local: number[][], transactionID: number): ExternalView {
  /** Whether one of our own subtrees overlaps [from, to). */
  const localIn = (from: number[], to: number[]) =>
    compareOids(from, to) < 0 && local.some((l) => compareOids(l, to) < 0 && compareOids(successor(l), from) > 0);
  const regOf = (r: ExternalRegion) => (r as Region).registration;
  const sessionOf = (r: ExternalRegion, index: number) => {
    const s = master.sessions.get(regOf(r).sessionID);
    if (!s) throw new ExternalError(ErrorStatus.GeneralError, index, 'the subagent has gone');
    return s;
  };
  const base = { flags: 0, transactionID, sessionID: 0, packetID: 0 };

  const getNext = async (region: ExternalRegion, from: number[], include: boolean): Promise<RawVarbind | undefined> => {
    const s = sessionOf(region, 0);
    let res: Pdu & { type: 18 };
    try {
      res = await master.request(s, { ...base, type: 6, ranges: [{ start: from, include, end: region.end }] }, master.timeoutFor(regOf(region)));
    } catch (e) {
      throw new ExternalError(ErrorStatus.GeneralError, 0, (e as Error).message);
    }
    if (res.error !== 0) throw new ExternalError(snmpStatus(res.error), 0, `subagent ${s.id} answered error ${res.error} to a GetNext`);
    const vb = res.varbinds[0];
    if (!vb || vb.type === ObjectType.EndOfMibView) return undefined;
    // A subagent must stay inside the range it was given; one that does not ends the region.
    const c0 = compareOids(vb.oid, from);
    if (c0 < 0 || (c0 === 0 && !include) || compareOids(vb.oid, region.end) >= 0) {
      master.options.log('warn', `AgentX session ${s.id} answered ${vb.oid.join('.')} to a GetNext for [${from.join('.')}, ${region.end.join('.')}); ignored`);
      return undefined;
    }
    return toRawVarbind(vb);
  };

  return {
    owner: (address) => regionAt(regions, address),
    following: (address) => regionAfter(regions, address),

    async get(items) {
      // One Get per session and time limit, all in parallel.
      const groups = new Map<string, number[]>();
      items.forEach((it, k) => {
        const reg = regOf(it.region);
        const key = `${reg.sessionID}|${master.timeoutFor(reg)}`;
        groups.set(key, [...(groups.get(key) ?? []), k]);
      });
      const out: RawVarbind[] = new Array(items.length);
      await Promise.all(
        [...groups.values()].map(async (ks) => {
          const s = sessionOf(items[ks[0]].region, ks[0]);
          const ranges = ks.map((k) => ({ start: oidToAddress(items[k].oid), include: false, end: [] }));
          let res: Pdu & { type: 18 };
          try {
            res = await master.request(s, { ...base, type: 5, ranges }, master.timeoutFor(regOf(items[ks[0]].region)));
          } catch (e) {
            throw new ExternalError(ErrorStatus.GeneralError, ks[0], (e as Error).message);
          }
          if (res.error !== 0) throw new ExternalError(snmpStatus(res.error), ks[Math.max(0, res.index - 1)] ?? ks[0], `subagent ${s.id} answered error ${res.error}`);
          ks.forEach((k, n) => {
            const vb = res.varbinds[n];
            out[k] = vb ? toRawVarbind(vb) : { oid: items[k].oid, type: ObjectType.NoSuchObject, value: null };
            out[k].oid = items[k].oid;
          });
        }),
      );
      return out;
    },

    next: getNext,

    async bulk(region, from, include, max) {
      const s = sessionOf(region, 0);
      if (s.getNextOnly) {
        const one = await getNext(region, from, include);
        return { varbinds: one ? [one] : [], complete: !one, end: region.end };
      }
      // One GetBulk, a single repeater (RFC 2741 §6.2.7), over this region and the ones
      // right after it that the same session owns (subagents such as snmpd register table
      // by table or column by column: a range per region would cost a round trip each).
      // A gap between two of its regions is bridged when none of our own objects lie in it
      // (anything the subagent answers there is dropped below: it did not register it).
      let at = regions.indexOf(region as Region);
      while (at >= 0 && at + 1 < regions.length && regOf(regions[at + 1]).sessionID === s.id && !localIn(regions[at].end, regions[at + 1].start)) at++;
      const end = at >= 0 ? regions[at].end : region.end;
      const maxRepetitions = Math.max(1, Math.min(max, MAX_BULK_REPETITIONS));
      let res: Pdu & { type: 18 };
      try {
        res = await master.request(s, { ...base, type: 7, nonRepeaters: 0, maxRepetitions, ranges: [{ start: from, include, end }] }, master.timeoutFor(regOf(region)));
      } catch (e) {
        throw new ExternalError(ErrorStatus.GeneralError, 0, (e as Error).message);
      }
      if (res.error !== 0) throw new ExternalError(snmpStatus(res.error), 0, `subagent ${s.id} answered error ${res.error} to a GetBulk`);
      // Keep the answer's increasing run inside the range; endOfMibView or an OID at or past
      // the range end means the region has nothing more. Anything else out of order is
      // dropped from there on (the walk then asks again from the last good instance).
      const varbinds: RawVarbind[] = [];
      let complete = false;
      let prev = from;
      let first = true;
      for (const vb of res.varbinds) {
        if (vb.type === ObjectType.EndOfMibView) {
          complete = true;
          break;
        }
        const c = compareOids(vb.oid, prev);
        if (c < 0 || (c === 0 && !(first && include))) {
          master.options.log('debug', `AgentX session ${s.id} answered ${vb.oid.join('.')} after ${prev.join('.')} in a GetBulk; rest of the answer ignored`);
          if (first) {
            // Not even the first answer follows the start (net-snmp's npm Subagent ignores the
            // range of a GetBulk): one GetNext per instance is then cheaper than two requests.
            s.getNextOnly = true;
            master.options.log('info', `AgentX session ${s.id} (${s.descr || 'no description'}) answers GetBulk out of order; using GetNext for it`);
          }
          break;
        }
        if (compareOids(vb.oid, end) >= 0) {
          complete = true;
          break;
        }
        prev = vb.oid;
        first = false;
        if (regionAt(regions, vb.oid)?.registration.sessionID !== s.id) continue;
        varbinds.push(toRawVarbind(vb));
      }
      return { varbinds, complete, end };
    },

    set(items): ExternalSet {
      const bySession = new Map<number, number[]>();
      items.forEach((it, k) => {
        const id = regOf(it.region).sessionID;
        bySession.set(id, [...(bySession.get(id) ?? []), k]);
      });
      const tested: number[] = [];
      const timeout = (ks: number[]) => Math.max(...ks.map((k) => master.timeoutFor(regOf(items[k].region))));
      // Run one phase on the given sessions; the first failure (status, item index) or undefined.
      const phase = async (type: 8 | 9 | 10, ids: number[]) => {
        const results = await Promise.all(
          ids.map(async (id) => {
            const ks = bySession.get(id)!;
            const s = master.sessions.get(id);
            if (!s) return { status: type === 10 ? ErrorStatus.UndoFailed : ErrorStatus.GeneralError, index: ks[0] };
            const pdu: Pdu = type === 8 ? { ...base, type, varbinds: ks.map((k) => fromRawVarbind(items[k].vb)) } : { ...base, type };
            try {
              const res = await master.request(s, pdu, timeout(ks));
              if (res.error === 0) return undefined;
              return { status: type === 10 ? ErrorStatus.UndoFailed : snmpStatus(res.error), index: ks[Math.max(0, res.index - 1)] ?? ks[0] };
            } catch (e) {
              master.options.log('warn', (e as Error).message);
              const status = type === 8 ? ErrorStatus.GeneralError : type === 9 ? ErrorStatus.CommitFailed : ErrorStatus.UndoFailed;
              return { status, index: ks[0] };
            }
          }),
        );
        return results.find((r) => r !== undefined);
      };
      return {
        async test() {
          const ids = [...bySession.keys()];
          tested.push(...ids);
          return phase(8, ids);
        },
        commit: () => phase(9, tested),
        undo: () => phase(10, tested),
        cleanup() {
          // CleanupSet has no response (RFC 2741 §7.2.4.4).
          for (const id of tested) {
            const s = master.sessions.get(id);
            if (s) master.send(s.conn, { ...base, type: 11, sessionID: id, packetID: s.packetID++ }, s.bigEndian);
          }
        },
      };
    },
  };
}
