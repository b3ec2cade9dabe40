// The registrar (RFC 3261 §10.3): REGISTER adds, refreshes, removes and lists the
// contacts of an address-of-record; the proxy's translate stage looks them up.
//
// Expiry limits: the guide names no directive for them, so they are fixed here — a
// contact asking for less than MIN_EXPIRES seconds gets 423 Interval Too Brief with
// Min-Expires, one asking for more than MAX_EXPIRES is granted MAX_EXPIRES, and one
// giving no time at all gets DEFAULT_EXPIRES (an hour, the phones' usual interval).
//
// A 200 OK is built only after the store has made the change durable.
import type { Config } from '../../config/loader.js';
import type { Address } from '../../sip/address.js';
import { contactExpires, contactQ, parseAddress, parseContacts } from '../../sip/address.js';
import type { SipRequest, SipResponse } from '../../sip/message.js';
import { buildResponse } from '../../sip/message.js';
import type { Uri } from '../../sip/uri.js';
import { parseUri, serializeUri, uriEquals } from '../../sip/uri.js';
import type { Inbound } from '../../transport/types.js';
import { openEmbeddedLocationStore } from '../../stores/embedded/location-store.js';
import { locationStoreOptions } from '../../stores/open.js';
import { aorKey, normalizeUser, servedDomain } from './aor.js';
import type { Binding, LocationStore } from '../../stores/location-store.js';
import { StoreUnavailableError } from '../../stores/subscriber-store.js';
import { ClusterPartitionedError } from '../../stores/mysql/quorum.js';
import type { BoundAddress } from './this-server.js';
import { isThisServer } from './this-server.js';


export const MIN_EXPIRES = 60;
export const MAX_EXPIRES = 3600;
export const DEFAULT_EXPIRES = 3600;
/** Most contacts one AOR may hold, so that one user agent cannot fill the table. */
export const MAX_BINDINGS_PER_AOR = 32;
/** Option tags a REGISTER may Require (RFC 3327 Path). */
const SUPPORTED = new Set(['path']);
/** What a static binding's expires reads in a 200 OK: the largest value RFC 3261 allows. */
const STATIC_EXPIRES = 4294967295;

export type RegistrarLog = (level: 'error' | 'warn' | 'info' | 'debug', message: string) => void;

export interface RegistrarOptions {
  /** Sockets sipd has bound (see isThisServer); setBound() updates them later. */
  readonly bound?: readonly BoundAddress[];
  /** A store to use instead of opening the embedded one (MySQL, tests). */
  readonly store?: LocationStore;
  /** Clock in ms since the epoch; tests move it. */
  readonly now?: () => number;
  /** Number expansion (NormaliseStage.expand); expandUser can also be set later. */
  readonly expand?: (user: string, config: Config) => string;
}

interface Refusal {
  readonly status: number;
  readonly reason?: string;
  readonly headers?: readonly (readonly [string, string])[];
}

/** A q value as RFC 3261 writes it: 1, 0.5, 0.125. */
function formatQ(q: number): string {
  return q.toFixed(3).replace(/\.?0+$/, '') || '0';
}

/** What a REGISTER does to an AOR's bindings, for DebugFlag Registry. */
function describeChange(next: readonly Binding[] | undefined, now: number): string {
  if (next === undefined) return 'query only, bindings unchanged';
  if (!next.length) return 'all bindings removed';
  const one = (b: Binding) => `${b.contact} (${b.expiresAt === Infinity ? 'static' : `${Math.round((b.expiresAt - now) / 1000)} s`})`;
  return `bindings now ${next.map(one).join(', ')}`;
}

/** Retry-After (seconds) on a REGISTER refused because the registry's database cannot take writes now. */
export const REGISTER_RETRY_AFTER_S = 30;

export class Registrar {
  private timer: NodeJS.Timeout | undefined;
  private cleanupRate = 0;
  private bound: readonly BoundAddress[];

  private constructor(
    private config: Config,
    private readonly log: RegistrarLog,
    private readonly store: LocationStore,
    private readonly now: () => number,
    bound: readonly BoundAddress[],
    /** True when open() opened the store itself, so close() closes it; a store handed in stays with its opener. */
    private readonly ownsStore: boolean,
  ) {
    this.bound = bound;
    this.startTimer();
  }

  /** Open the registrar on the store handed in (or, alone in tests, the embedded one the config names) and start the cleanup timer. */
  static async open(config: Config, log: RegistrarLog, opts: RegistrarOptions = {}): Promise<Registrar> {
    const now = opts.now ?? Date.now;
    const store = opts.store ?? (await openEmbeddedLocationStore({ ...locationStoreOptions(config, log), now }));
    const r = new Registrar(config, log, store, now, opts.bound ?? [], !opts.store);
    r.expandUser = opts.expand;
    return r;
  }

  /** The sockets sipd listens on, once bound. */
  setBound(bound: readonly BoundAddress[]): void {
    this.bound = bound;
  }

  /** True when a REGISTER's Request-URI names a domain this registrar serves (the proxy forwards the others). */
  servesRequestUri(requestUri: string, config: Config = this.config): boolean {
    const u = parseUri(requestUri);
    return u.ok && u.uri.scheme !== 'tel' && servedDomain(u.uri.host, config, this.bound) !== undefined;
  }

  /** Answer one REGISTER. Never throws: a store failure is a 500. */
  async handleRegister(req: SipRequest, source: Inbound): Promise<SipResponse> {
    const config = this.config;
    const now = this.now();
    let outcome: ReturnType<Registrar['prepare']>;
    try {
      outcome = this.prepare(req, source, config, now);
    } catch (e) {
      this.log('error', `registry: REGISTER for ${req.headers.get('To') ?? '?'} failed: ${String(e)}`);
      return buildResponse(req, 500, 'Registrar error');
    }
    // DebugFlag Registry lines are built only when the flag is On, as routing and numexp do: REGISTER and lookup are per-request paths.
    const debug = config.values.DebugFlag.Registry;
    if ('status' in outcome) {
      if (debug) this.log('debug', `REGISTER ${req.uri} (To ${req.headers.get('To') ?? '-'}, Call-ID ${req.headers.get('Call-ID') ?? '-'}) from ${source.remoteAddress}:${source.remotePort}: refused ${outcome.status}${outcome.reason ? ` ${outcome.reason}` : ''}`);
      return buildResponse(req, outcome.status, outcome.reason, outcome.headers ? { headers: outcome.headers } : {});
    }
    const { key, next } = outcome;
    if (debug) this.log('debug', `REGISTER for ${key} from ${source.remoteAddress}:${source.remotePort}: ${describeChange(next, now)}`);
    if (next !== undefined) {
      try {
        await (next.length ? this.store.put(key, next) : this.store.removeAll(key));
      } catch (e) {
        return this.storeFailed(req, key, e);
      }
    }
    return this.ok(req, key, now);
  }

  /**
   * A write the store could not make. A farm database that cannot take it now (down, or
   * cut off from the Galera primary component) is a 503 with Retry-After, so the phone
   * tries again or another member; the partition itself was logged once by the store, so
   * each refused REGISTER is only a debug line. Anything else is a 500.
   */
  private storeFailed(req: SipRequest, key: string, e: unknown): SipResponse {
    if (e instanceof ClusterPartitionedError) {
      if (this.config.values.DebugFlag.Registry) this.log('debug', `REGISTER for ${key} refused with 503: ${e.message}`);
      return buildResponse(req, 503, 'Registrar database not in primary component', { headers: [['Retry-After', String(REGISTER_RETRY_AFTER_S)]] });
    }
    if (e instanceof StoreUnavailableError) {
      this.log('error', `registry: registration of ${key} could not be stored, answering 503: ${e.message}`);
      return buildResponse(req, 503, 'Registrar database unavailable', { headers: [['Retry-After', String(REGISTER_RETRY_AFTER_S)]] });
    }
    this.log('error', `registry: registration of ${key} could not be stored: ${String(e)}`);
    return buildResponse(req, 500, 'Registration could not be stored');
  }

  /**
   * Everything up to the store write, synchronously: the read of the current bindings
   * and the write of the new set happen in the same turn, so two REGISTERs for one AOR
   * cannot overwrite each other's changes.
   */
  private prepare(req: SipRequest, source: Inbound, config: Config, now: number): Refusal | { key: string; next: Binding[] | undefined } {
    // Request-URI: a SIP or SIPS URI for a domain we serve (RFC 3261 §10.3 steps 1-2).
    const ru = parseUri(req.uri);
    if (!ru.ok || ru.uri.scheme === 'tel') return { status: 416, reason: 'REGISTER needs a SIP or SIPS Request-URI' };
    if (servedDomain(ru.uri.host, config, this.bound) === undefined) return { status: 404, reason: `Not a domain this registrar serves: ${ru.uri.host}` };
    const unsupported = req.headers.values('Require').filter((t) => !SUPPORTED.has(t.toLowerCase()));
    if (unsupported.length) return { status: 420, headers: [['Unsupported', unsupported.join(', ')]] };

    // The address-of-record, from To (step 3).
    const toText = req.headers.get('To');
    const to = toText === undefined ? undefined : parseAddress(toText);
    // An AOR must be a SIP or SIPS URI: another scheme in To is answered 400 (RFC 4475 §3.3.4).
    if (to && !to.ok && to.unsupportedScheme) return { status: 400, reason: 'The address-of-record must be a SIP or SIPS URI' };
    if (!to || !to.ok) return { status: 400, reason: 'Malformed To header' };
    if (to.address.uri.scheme === 'tel') return { status: 404, reason: 'The address-of-record must be a SIP or SIPS URI' };
    const aor = aorKey(to.address.uri, config, { registering: true, bound: this.bound, expand: this.expandUser });
    if (!aor.ok) return { status: aor.status, reason: aor.reason };
    const key = aor.key;

    const callId = req.headers.get('Call-ID') ?? '';
    const cseq = Number(/^\s*(\d+)/.exec(req.headers.get('CSeq') ?? '')?.[1] ?? NaN);
    if (!callId || !Number.isFinite(cseq)) return { status: 400, reason: 'Missing Call-ID or CSeq' };
    const expiresText = req.headers.get('Expires');
    if (expiresText !== undefined && !/^\d+$/.test(expiresText.trim())) return { status: 400, reason: 'Malformed Expires header' };
    const headerExpires = expiresText === undefined ? undefined : Number(expiresText.trim());

    const parsed = parseContacts(req.headers.fields('Contact'));
    if (!parsed.ok) return { status: 400, reason: parsed.reason };
    const current = this.store.get(key).filter((b) => !b.static && b.expiresAt > now);

    // Contact: * — remove every binding (step 6).
    if (parsed.star) {
      if (headerExpires !== 0) return { status: 400, reason: 'Contact "*" needs Expires: 0' };
      for (const b of current) if (b.callId === callId && b.cseq > cseq) return { status: 500, reason: 'Out of order: an older CSeq for this Call-ID' };
      return { key, next: current.length ? [] : undefined };
    }
    // No Contact: a query (step 6).
    if (!parsed.contacts.length) return { key, next: undefined };

    // Expiry of each contact, all checked before anything changes.
    const wanted: { contact: Address; uri: Uri; expires: number }[] = [];
    for (const c of parsed.contacts) {
      let expires = contactExpires(c) ?? headerExpires ?? DEFAULT_EXPIRES;
      if (expires !== 0 && expires < MIN_EXPIRES) return { status: 423, headers: [['Min-Expires', String(MIN_EXPIRES)]] };
      expires = Math.min(expires, MAX_EXPIRES);
      wanted.push({ contact: c, uri: c.uri, expires });
    }

    // Add, refresh or remove each contact (step 7). CSeq is checked against the bindings
    // as they were before this request, so a contact listed twice is not "out of order".
    const next = [...current];
    const received = { transport: source.transport, address: source.remoteAddress, port: source.remotePort };
    const pathValues = req.headers.values('Path');
    const same = (stored: string, uri: Uri) => this.sameContact(stored, uri, config);
    for (const w of wanted) {
      const before = current.find((b) => same(b.contact, w.uri));
      if (before && before.callId === callId) {
        if (before.cseq > cseq) return { status: 500, reason: 'Out of order: an older CSeq for this Call-ID' };
        // The same CSeq again is a retransmission the transaction layer let through: already applied.
        if (before.cseq === cseq) continue;
      }
      const at = next.findIndex((b) => same(b.contact, w.uri));
      if (at >= 0) next.splice(at, 1);
      if (w.expires === 0) continue;
      next.push({
        aor: key,
        contact: serializeUri(w.uri),
        q: contactQ(w.contact),
        expiresAt: now + w.expires * 1000,
        callId,
        cseq,
        received,
        ...(pathValues.length && { path: pathValues }),
        static: false,
        updatedAt: now,
      });
    }
    if (next.length > MAX_BINDINGS_PER_AOR) return { status: 403, reason: `Too many contacts: at most ${MAX_BINDINGS_PER_AOR} per address-of-record` };
    return { key, next };
  }

  /** 200 OK listing every current binding with its remaining time and q (step 8). */
  private ok(req: SipRequest, key: string, now: number): SipResponse {
    const headers: [string, string][] = [];
    for (const b of sortBindings(this.store.get(key).filter((x) => x.expiresAt > now))) {
      const left = b.static ? STATIC_EXPIRES : Math.max(1, Math.ceil((b.expiresAt - now) / 1000));
      headers.push(['Contact', `<${b.contact}>;expires=${left};q=${formatQ(b.q)}`]);
    }
    const supported = req.headers.values('Supported').some((t) => t.toLowerCase() === 'path');
    if (supported) for (const p of req.headers.values('Path')) headers.push(['Path', p]);
    headers.push(['Date', new Date(now).toUTCString()]);
    return buildResponse(req, 200, 'OK', { headers });
  }

  /**
   * Number expansion for AOR keys and for Contacts that name this server (set by sipd
   * to the stage-5 expander; it applies Cisco_Numexpand and the NumberPlan rules).
   */
  expandUser: ((user: string, config: Config) => string) | undefined;

  /**
   * True when a stored contact and a REGISTER's Contact are one binding. A Contact that
   * points back at this server (host and port ours) with a numeric user part is compared
   * by its expanded number, so sip:50100@proxy and sip:+13035550100@proxy refresh or
   * remove the same binding; the contact is stored and listed as the phone sent it.
   */
  private sameContact(stored: string, uri: Uri, config: Config): boolean {
    const s = parseUri(stored);
    return s.ok && uriEquals(this.comparable(s.uri, config), this.comparable(uri, config));
  }

  private comparable(uri: Uri, config: Config): Uri {
    if (!this.expandUser || uri.scheme === 'tel' || uri.user === undefined) return uri;
    const port = uri.port ?? (uri.scheme === 'sips' ? 5061 : 5060);
    if (!isThisServer(uri.host, port, config, this.bound)) return uri;
    const n = normalizeUser(uri.user);
    if (!n.numeric) return uri;
    // Both name this server, so an omitted port and the default one are the same too.
    return { ...uri, user: normalizeUser(this.expandUser(n.user, config)).user, port };
  }

  /** The unexpired bindings of a URI's AOR, highest q first (ties: the most recently refreshed first). */
  lookup(uri: Uri, config: Config = this.config): Binding[] {
    const k = aorKey(uri, config, { registering: false, bound: this.bound, expand: this.expandUser });
    if (!k.ok) return [];
    const now = this.now();
    const found = sortBindings(this.store.get(k.key).filter((b) => b.expiresAt > now));
    if (config.values.DebugFlag.Registry) this.log('debug', `lookup of ${k.key} (${serializeUri(uri)}): ${found.length ? found.map((b) => `${b.contact};q=${formatQ(b.q)}`).join(', ') : 'no registered contact'}`);
    return found;
  }

  /** Bindings currently in force (static ones included). */
  activeCount(): number {
    return this.store.activeCount(this.now());
  }

  /** The store, for tools that list or edit registrations (static ones included). */
  get locationStore(): LocationStore {
    return this.store;
  }

  /** Take a new configuration snapshot (graceful restart). */
  reconfigure(config: Config): void {
    const a = this.config.values;
    const b = config.values;
    if (a.Cisco_Registry_Rendezvous_Directory !== b.Cisco_Registry_Rendezvous_Directory || a.Cisco_Registry_Rendezvous_Name !== b.Cisco_Registry_Rendezvous_Name) {
      this.log('warn', 'registry: Cisco_Registry_Rendezvous_Directory / Cisco_Registry_Rendezvous_Name changed; the database in use stays open until sipd is restarted');
    }
    this.config = config;
    this.startTimer();
  }

  /** Drop expired bindings now (the timer does this every RegistryCleanupRate ms). */
  purge(): number {
    const n = this.store.purgeExpired(this.now());
    if (n) this.log('debug', `registry: ${n} expired registration${n === 1 ? '' : 's'} removed`);
    return n;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.ownsStore) await this.store.close();
  }

  private startTimer(): void {
    const rate = this.config.values.RegistryCleanupRate;
    if (this.timer && rate === this.cleanupRate) return;
    if (this.timer) clearInterval(this.timer);
    this.cleanupRate = rate;
    this.timer = setInterval(() => this.purge(), rate);
    this.timer.unref();
  }
}

function sortBindings(list: readonly Binding[]): Binding[] {
  return [...list].sort((a, b) => b.q - a.q || b.updatedAt - a.updatedAt);
}
