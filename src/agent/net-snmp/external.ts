// Subtrees served by other processes (AgentX subagents, ../agentx/master.ts): the interface
// the request path asks when an OID falls in a region a subagent registered. net-snmp has no
// such notion; the request path (get.ts, next.ts, set.ts) merges these regions with our tree.
import type { Mib, RawVarbind } from 'net-snmp';
import { oidToAddress } from './oid.js';

/** A run of the OID space, [start, end), that another process answers for. */
export interface ExternalRegion {
  readonly start: number[];
  readonly end: number[];
}

/** An error status from another process, for the varbind at `index` (0-based, in the call's list). */
export class ExternalError extends Error {
  constructor(
    readonly status: number,
    readonly index: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ExternalSet {
  /** Each step resolves undefined when every peer agreed, else the error and its item index. */
  test(): Promise<{ status: number; index: number } | undefined>;
  commit(): Promise<{ status: number; index: number } | undefined>;
  undo(): Promise<{ status: number; index: number } | undefined>;
  cleanup(): void;
}

/** The delegated regions at one moment (one SNMP request uses one view). */
export interface ExternalView {
  /** The region containing `address`, if another process owns it. */
  owner(address: number[]): ExternalRegion | undefined;
  /** The first region starting after `address`. */
  following(address: number[]): ExternalRegion | undefined;
  /** GET of each item; rejects with ExternalError (index into items) on timeouts and errors. */
  get(items: Array<{ region: ExternalRegion; oid: string }>): Promise<RawVarbind[]>;
  /** The first instance in the region after `from` (at `from` too when include); undefined: none. */
  next(region: ExternalRegion, from: number[], include: boolean): Promise<RawVarbind | undefined>;
  /**
   * Up to `max` consecutive instances after `from` (at `from` too when include) in one exchange
   * (agentx-GetBulk-PDU, RFC 2741 §6.2.7), from `region` and the regions right after it that the
   * same peer owns, up to `end`; `complete` when nothing lies between the last one and `end`.
   * Optional: without it a GETBULK costs one next() per instance.
   */
  bulk?(region: ExternalRegion, from: number[], include: boolean, max: number): Promise<{ varbinds: RawVarbind[]; complete: boolean; end: number[] }>;
  set(items: Array<{ region: ExternalRegion; vb: RawVarbind }>): ExternalSet;
}

export interface ExternalTree {
  /** The current view, given our own provider subtrees (more specific ones win); undefined when
   *  nothing is delegated, so requests take the plain local path. */
  view(localSubtrees: () => number[][]): ExternalView | undefined;
}

/** The OID of every provider (scalar object or table) registered in our own tree. */
export function localSubtrees(mib: Mib): number[][] {
  const out: number[][] = [];
  for (const p of Object.values(mib.providers)) {
    try {
      out.push(oidToAddress(p.oid));
    } catch {
      // a provider without a numeric OID cannot collide with a subagent's subtree
    }
  }
  return out;
}
