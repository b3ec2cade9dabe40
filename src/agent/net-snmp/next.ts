// GETNEXT and GETBULK answered from our tree and subagents' regions, VACM read view applied.
// Defect 1 of docs/net-snmp-defects.md: past the end the library answered
// noSuchObject at the same OID, so walks never ended; here it is endOfMibView (RFC 3416 §4.2.2).
// Defect 2: GETBULK capped the whole response at max-repetitions varbinds; here it counts
// repetitions of the repeaters (RFC 3416 §4.2.3). Defect 6: each step is a binary search in
// tree-cache.ts instead of a sort.
import snmp from 'net-snmp';
import type { Mib, MibNode, RawVarbind } from 'net-snmp';
import type { AccessPolicy, RequestSecurity } from './types.js';
import { ExternalError } from './external.js';
import type { ExternalView } from './external.js';
import { compareOids, oidToAddress } from './oid.js';
import { isInstance, nextInstance, nextInstanceAfterNode } from './tree-cache.js';
import { readable, readInstance } from './instance-values.js';
import { addressOf, check, respond } from './pipeline.js';
import type { DecodedMessage, Pipeline } from './pipeline.js';

const { ObjectType, ErrorStatus } = snmp;

// GETBULK answers are bounded so one request cannot build an unbounded datagram; beyond
// these the response carries fewer repetitions (RFC 3416 §4.2.3 allows that).
const MAX_BULK_VARBINDS = 2000;
const MAX_RESPONSE_BYTES = 60000;

/** `address` is the vb's OID as numbers, so a GETBULK's next step need not parse it again. */
export type Next = { vb?: RawVarbind; denied?: boolean; address?: number[]; node?: MibNode };

/**
 * The next readable, in-view instance of our own tree after `address` (or at it, when
 * `inclusive`), stopping before `limit` (where a subagent's region begins); {} when none.
 */
export function nextLocal(mib: Mib, address: number[], inclusive: boolean, limit: number[] | undefined, sec: RequestSecurity, policy: AccessPolicy | undefined, from?: MibNode): Next {
  let node: MibNode | null = null;
  // `from`: the node answered by the previous step of this same (synchronous) request.
  const here = from ?? (address.length > 0 ? mib.lookup(address) : null);
  if (here && isInstance(here)) node = inclusive ? here : nextInstanceAfterNode(mib, here);
  else node = nextInstance(mib, address);
  // Bounded: a view may exclude many instances in a row, but never more than the tree has.
  for (; node; node = nextInstanceAfterNode(mib, node)) {
    if (limit && compareOids(node.address, limit) >= 0) return {};
    const providerNode = node.getAncestorProvider();
    if (!providerNode?.provider || !readable(providerNode.provider, node)) continue;
    const access = check(policy, sec, 'read', node.oid);
    if (access === 'notInView') continue;
    if (access !== 'allowed') return { denied: true };
    const v = readInstance(mib, node);
    if (!v) continue;
    if (sec.model === 'v1' && v.type === ObjectType.Counter64) continue; // RFC 3584 §4.2.2.1
    return { vb: { oid: node.oid, type: v.type, value: v.value }, address: node.address, node };
  }
  return {};
}

// Walks through subagents' regions: at most this many subagent answers per varbind (views
// that exclude long runs of a subagent's objects cost one round trip per excluded object).
const MAX_EXTERNAL_STEPS = 10_000;

/**
 * A GETBULK repeater's subagent instances fetched ahead in one exchange and consumed in order
 * by its next repetitions (`want`: repetitions still to answer), so a bulk walk over a
 * subagent costs about one round trip per response instead of one per instance.
 */
interface Ahead {
  want: number;
  /** The span [start, end) the prefetched items cover. */
  start?: number[];
  end?: number[];
  items: Array<{ vb: RawVarbind; address: number[] }>;
  complete: boolean;
}

/** The next prefetched instance after `address`; undefined: the span has no more (go on at
 *  the region's end); null: nothing usable prefetched. */
function takeAhead(ahead: Ahead | undefined, address: number[], inclusive: boolean): RawVarbind | undefined | null {
  if (!ahead?.start || !ahead.end || compareOids(address, ahead.start) < 0 || compareOids(address, ahead.end) >= 0) return null;
  while (ahead.items.length > 0 && compareOids(ahead.items[0].address, address) < (inclusive ? 0 : 1)) ahead.items.shift();
  const first = ahead.items.shift();
  if (first) return first.vb;
  return ahead.complete ? undefined : null;
}

/** nextLocal across our tree and the subagents' regions, in lexicographic order. */
export async function nextMerged(mib: Mib, start: number[], sec: RequestSecurity, policy: AccessPolicy | undefined, view: ExternalView, ahead?: Ahead): Promise<Next> {
  let address = start;
  let inclusive = false;
  for (let steps = 0; steps < MAX_EXTERNAL_STEPS; steps++) {
    const region = view.owner(address);
    if (region) {
      let got = takeAhead(ahead, address, inclusive);
      if (got === null && ahead && ahead.want > 1 && view.bulk) {
        const r = await view.bulk(region, address, inclusive, ahead.want);
        ahead.start = address;
        ahead.end = r.end;
        ahead.items = r.varbinds.map((v) => ({ vb: v, address: oidToAddress(v.oid) }));
        ahead.complete = r.complete;
        got = takeAhead(ahead, address, inclusive);
      }
      const vb = got === null ? await view.next(region, address, inclusive) : got;
      if (!vb) {
        address = region.end;
        inclusive = true;
        continue;
      }
      address = oidToAddress(vb.oid);
      inclusive = false;
      const access = check(policy, sec, 'read', vb.oid);
      if (access === 'notInView') continue;
      if (access !== 'allowed') return { denied: true };
      if (sec.model === 'v1' && vb.type === ObjectType.Counter64) continue;
      return { vb, address };
    }
    const limit = view.following(address)?.start;
    const local = nextLocal(mib, address, inclusive, limit, sec, policy);
    if (local.vb || local.denied || !limit) return local;
    address = limit;
    inclusive = true;
  }
  throw new ExternalError(ErrorStatus.GeneralError, 0, `walk from ${start.join('.')} took more than ${MAX_EXTERNAL_STEPS} subagent steps`);
}

export async function answerNext(p: Pipeline, socket: unknown, rinfo: unknown, message: DecodedMessage, sec: RequestSecurity, policy: AccessPolicy | undefined, bulk: boolean, view?: ExternalView) {
  const log = p.log;
  const vbs = message.pdu.varbinds;
  const out: RawVarbind[] = [];
  const endOf = (oid: string): RawVarbind => ({ oid, type: ObjectType.EndOfMibView, value: null });
  let size = 0;
  const push = (vb: RawVarbind) => {
    out.push(vb);
    size += vb.oid.length + 16 + (typeof vb.value === 'string' || Buffer.isBuffer(vb.value) ? (vb.value as string).length : 8);
  };
  let at = 0;
  // Without subagents every step is synchronous: no promise per varbind.
  const nextOne = (start: number[], from?: MibNode, ahead?: Ahead): Next | Promise<Next> => {
    if (!view) return nextLocal(p.mib, start, false, undefined, sec, policy, from);
    return nextMerged(p.mib, start, sec, policy, view, ahead).catch((e: unknown) => {
      if (e instanceof ExternalError) throw new ExternalError(e.status, at, e.message);
      throw e;
    });
  };
  try {
    const nonRepeaters = bulk ? Math.max(0, Math.min(message.pdu.nonRepeaters ?? 0, vbs.length)) : vbs.length;
    // Defect 1: past the last instance we answer endOfMibView (the library answered
    // noSuchObject at the same OID, so walks never ended).
    for (let i = 0; i < nonRepeaters; i++) {
      at = i;
      const step = nextOne(addressOf(vbs[i].oid) ?? []);
      const r = step instanceof Promise ? await step : step;
      if (r.denied) return respond(p, socket, rinfo, message, [], ErrorStatus.AuthorizationError, i + 1);
      push(r.vb ?? endOf(vbs[i].oid));
    }
    if (bulk) {
      // Defect 2: max-repetitions counts rows of repeaters, not varbinds in the whole response.
      const repeaters = vbs.slice(nonRepeaters).map((v) => v.oid);
      const addresses = repeaters.map((oid) => addressOf(oid) ?? []);
      const nodes: Array<MibNode | undefined> = repeaters.map(() => undefined);
      const aheads: Ahead[] = repeaters.map(() => ({ want: 0, items: [], complete: false }));
      const maxRep = Math.max(0, message.pdu.maxRepetitions ?? 0);
      const done = repeaters.map(() => false);
      for (let rep = 0; rep < maxRep && repeaters.length > 0; rep++) {
        if (out.length + repeaters.length > MAX_BULK_VARBINDS || size > MAX_RESPONSE_BYTES) break;
        for (let j = 0; j < repeaters.length; j++) {
          if (done[j]) {
            push(endOf(repeaters[j]));
            continue;
          }
          at = nonRepeaters + j;
          aheads[j].want = maxRep - rep;
          const step = nextOne(addresses[j], nodes[j], aheads[j]);
          const r = step instanceof Promise ? await step : step;
          if (r.denied) return respond(p, socket, rinfo, message, [], ErrorStatus.AuthorizationError, nonRepeaters + j + 1);
          if (r.vb) {
            push(r.vb);
            repeaters[j] = r.vb.oid;
            addresses[j] = r.address ?? addressOf(r.vb.oid) ?? [];
            nodes[j] = r.node;
          } else {
            done[j] = true;
            push(endOf(repeaters[j]));
          }
        }
        if (done.every(Boolean)) break;
      }
    }
  } catch (e) {
    if (!(e instanceof ExternalError)) throw e;
    log('warn', `GETNEXT/GETBULK through a subagent: ${e.message}`);
    return respond(p, socket, rinfo, message, [], e.status, e.index + 1);
  }
  respond(p, socket, rinfo, message, out);
}
