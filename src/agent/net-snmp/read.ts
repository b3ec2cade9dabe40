// The agent reading, from inside, the tree an SNMP manager sees: our own objects and the
// regions AgentX subagents registered (external.ts), merged the way GET (get.ts) and GETNEXT
// (next.ts) merge them. The Event MIB samples through this (../mibs/event/), so a trigger on
// a subagent's object sees what a manager would. No VACM applies: the reader is the agent.
// A subagent that answers an error, or nothing within its time limit, rejects the read with
// ExternalError; its `status` is the error-status a manager would get (genErr on a timeout).
import snmp from 'net-snmp';
import type { Mib, MibNode, RawVarbind } from 'net-snmp';
import { ExternalError } from './external.js';
import type { ExternalView } from './external.js';
import { getOne } from './get.js';
import { nextLocal, nextMerged } from './next.js';
import type { Next } from './next.js';
import { addressOf } from './pipeline.js';
import type { RequestSecurity } from './types.js';

const { ObjectType, ErrorStatus } = snmp;

/** Who reads: the agent itself (the model only matters for v1's Counter64 rule). */
const INSIDE: RequestSecurity = { model: 'v2c', securityName: '', level: 'authPriv', contextName: '', address: '', port: 0 };

/** A walk of one prefix stops with an error past this many instances (a runaway subagent). */
export const MAX_READ_INSTANCES = 100_000;

/** noSuchObject, noSuchInstance, endOfMibView and Null are "no value" here. */
const hasValue = (vb: RawVarbind | undefined): vb is RawVarbind => !!vb && vb.type !== undefined && vb.type !== ObjectType.Null && vb.type < 128;

/** One instance, from our tree or the subagent that owns it; undefined when there is none. */
export async function readThrough(mib: Mib, view: ExternalView | undefined, oid: string): Promise<RawVarbind | undefined> {
  const address = addressOf(oid);
  if (!address) return undefined;
  const region = view?.owner(address);
  const vb = region && view ? (await view.get([{ region, oid }]))[0] : getOne(mib, oid);
  return hasValue(vb) ? { ...vb, oid } : undefined;
}

/** Every instance strictly under `prefix`, in OID order, across our tree and the subagents'. */
export async function walkThrough(mib: Mib, view: ExternalView | undefined, prefix: string, limit = MAX_READ_INSTANCES): Promise<RawVarbind[]> {
  const base = addressOf(prefix);
  if (!base) return [];
  const out: RawVarbind[] = [];
  let at = base;
  let node: MibNode | undefined;
  for (;;) {
    const step: Next = view ? await nextMerged(mib, at, INSIDE, undefined, view) : nextLocal(mib, at, false, undefined, INSIDE, undefined, node);
    const next = step.address ?? (step.vb ? addressOf(step.vb.oid) : undefined);
    if (!step.vb || !next || next.length <= base.length || base.some((x, i) => next[i] !== x)) return out;
    if (out.length >= limit) throw new ExternalError(ErrorStatus.TooBig, 0, `more than ${limit} instances under ${prefix}`);
    if (hasValue(step.vb)) out.push(step.vb);
    at = next;
    node = step.node;
  }
}
