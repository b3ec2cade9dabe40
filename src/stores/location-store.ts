// The location service (RFC 3261 §10): what REGISTER writes and the proxy reads. One
// interface, here with the other store interfaces; the embedded file-backed store
// (src/stores/embedded/location-store.ts) implements it, and src/stores/open.ts opens it.
import type { IndexPage, IndexQuery } from './sorted-index.js';

/** Where a REGISTER came from, kept so that a contact behind NAT can still be reached. */
export interface ReceivedFrom {
  readonly transport: string;
  readonly address: string;
  readonly port: number;
}

/** One contact bound to an address-of-record. */
export interface Binding {
  /** The AOR key (the registrar's aorKey): "+14085558000" or "2000@companya.com". */
  readonly aor: string;
  /** The contact URI as the user agent wrote it (no <>, no header parameters). */
  readonly contact: string;
  /** Preference, 0 to 1 (RFC 3261 §20.10); 1 when the contact gave none. */
  readonly q: number;
  /** When the binding lapses, in ms since the epoch; Infinity for a static registration. */
  readonly expiresAt: number;
  readonly callId: string;
  readonly cseq: number;
  readonly received?: ReceivedFrom;
  /** Path header values (RFC 3327) from the REGISTER, in order. */
  readonly path?: readonly string[];
  /** Set by provisioning tools, never by REGISTER; never expires. */
  readonly static: boolean;
  /** When the binding was last written, ms since the epoch. */
  readonly updatedAt: number;
}

/**
 * The bindings of every AOR. Reads are synchronous (the proxy looks up on every
 * request); writes resolve only once they are durable, so a 200 OK is sent only for a
 * registration that survives a crash.
 *
 * Dynamic bindings (from REGISTER) and static ones (from tools) live side by side: put
 * and removeAll touch only the dynamic ones, setStatic and removeStatic only the static.
 */
export interface LocationStore {
  /** Every binding of the AOR, static ones included; expired ones may still be present until purged. */
  get(aor: string): readonly Binding[];
  /** Replace the AOR's dynamic bindings by these (an empty list removes them). */
  put(aor: string, bindings: readonly Binding[]): Promise<void>;
  /** Remove every dynamic binding of the AOR. */
  removeAll(aor: string): Promise<void>;
  /** Add or replace (same contact text) one static binding. */
  setStatic(aor: string, binding: Binding): Promise<void>;
  /** Remove one static binding; false when there was none with that contact. */
  removeStatic(aor: string, contact: string): Promise<boolean>;
  /** Drop dynamic bindings that expired at or before `now`; returns how many. */
  purgeExpired(now: number): number;
  /** Bindings held, static and not yet purged ones included. */
  size(): number;
  /** Bindings that have not expired at `now`. */
  activeCount(now: number): number;
  /** Every AOR with its bindings. */
  entries(): IterableIterator<[string, readonly Binding[]]>;
  /** One page of a search of the bindings live at `now` (the provisioning GUI); stores without it are paged by one pass over entries(). */
  search?(q: IndexQuery<string>, now: number): IndexPage<Binding>;
  /** Flush pending writes and release the files. */
  close(): Promise<void>;
}
