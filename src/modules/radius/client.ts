// The RADIUS client behind SharedServices.radius (guide B-8 "Configuring the RADIUS
// client"): our own UDP sockets, 256 identifiers in flight per server (more requests wait
// in a bounded queue), RadiusRetransmissionCount resends RadiusRetransmissionInterval
// apart, then the next server; a server that stopped answering is passed over for
// RadiusRetryTime seconds, after which the primary is tried first again. When the last
// request failed on every server of a list, the next one gets only
// RadiusRetransmissionAfterFailure resends per server until one answers again.
// Accounting resends carry Acct-Delay-Time (the caller's delay plus our time trying) and,
// since their content changed, a new identifier (RFC 2866 §5.2). Responses are checked in
// codec.ts and must come from the address and port the request went to; others are dropped
// and counted. Nothing here throws to a caller or blocks: every failure is an answer of
// "none" (undefined / false) and a counter.
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { checkResponse, describeAttributes, describeRequest, encodeRequest } from './codec.js';
import type { RequestCode } from './codec.js';
import type { RadiusAnswer, RadiusAttribute, RadiusServer, RadiusService } from './service.js';

export interface RadiusTiming {
  /** RadiusRetransmissionInterval, ms. */
  readonly intervalMs: number;
  /** RadiusRetransmissionCount. */
  readonly count: number;
  /** RadiusRetransmissionAfterFailure. */
  readonly afterFailure: number;
  /** RadiusRetryTime, seconds. */
  readonly retrySeconds: number;
}

/** What is counted for one server (host:port). */
export interface RadiusServerStats {
  /** Requests sent (first transmissions). */
  sent: number;
  /** Retransmissions. */
  retransmitted: number;
  /** Requests given up on this server and passed to the next one of the list. */
  failedOver: number;
  /** Valid, signed answers. */
  answered: number;
  /** Requests this server never answered (every transmission timed out). */
  timeouts: number;
  /** Datagrams from this server that were dropped: unknown identifier, bad authenticator, no Message-Authenticator, wrong code. */
  badResponses: number;
  /** Requests refused because the identifier queue of this server was full. */
  queueFull: number;
}

export interface RadiusClientOptions {
  readonly timing: RadiusTiming;
  /** Debug output (DebugFlag Radius), built only when `debugOn()`. */
  readonly debug?: (message: string) => void;
  readonly debugOn?: () => boolean;
  /** Errors worth an operator's attention (error_log). */
  readonly warn?: (message: string) => void;
  /** Requests waiting for an identifier, per server, beyond which new ones fail at once. */
  readonly maxQueue?: number;
}

const IDS = 256;
const DEFAULT_MAX_QUEUE = 4096;

interface Outstanding {
  readonly request: Buffer;
  readonly secret: string;
  readonly deliver: (response: { code: string; attributes: Record<string, unknown> }) => void;
}

class ServerState {
  readonly stats: RadiusServerStats = { sent: 0, retransmitted: 0, failedOver: 0, answered: 0, timeouts: 0, badResponses: 0, queueFull: 0 };
  /** Until when (ms since epoch) the server is passed over after it stopped answering. */
  downUntil = 0;
  readonly pending = new Map<number, Outstanding>();
  private next = Math.floor(Math.random() * IDS);
  private readonly waiting: Array<(id: number | undefined) => void> = [];

  constructor(readonly label: string) {}

  /** A free identifier, waiting in the queue when all 256 are in flight; undefined when the queue is full or closed. */
  acquire(maxQueue: number): Promise<number | undefined> {
    if (this.pending.size + this.reserved.size < IDS) return Promise.resolve(this.take());
    if (this.waiting.length >= maxQueue) {
      this.stats.queueFull++;
      return Promise.resolve(undefined);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Identifiers handed out but not yet registered in `pending`. */
  private readonly reserved = new Set<number>();

  private take(): number {
    for (let i = 0; i < IDS; i++) {
      const id = (this.next + i) % IDS;
      if (!this.pending.has(id) && !this.reserved.has(id)) {
        this.next = (id + 1) % IDS;
        this.reserved.add(id);
        return id;
      }
    }
    throw new Error('no free identifier (counted wrong)');
  }

  register(id: number, o: Outstanding): void {
    this.reserved.delete(id);
    this.pending.set(id, o);
  }

  release(id: number): void {
    this.pending.delete(id);
    this.reserved.delete(id);
    const w = this.waiting.shift();
    if (w) w(this.take());
  }

  close(): void {
    for (const w of this.waiting.splice(0)) w(undefined);
  }
}

const keyOf = (host: string, port: number) => (net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`);

export class RadiusClient implements RadiusService {
  private timing: RadiusTiming;
  private readonly servers = new Map<string, ServerState>();
  /** Server lists whose last request failed on every server (RadiusRetransmissionAfterFailure applies). */
  private readonly allFailed = new Set<string>();
  private sockets: { udp4?: dgram.Socket; udp6?: dgram.Socket } = {};
  private closed = false;
  /** Datagrams from addresses we sent nothing to. */
  unknownSource = 0;
  /** Requests whose attributes could not be encoded. */
  encodeErrors = 0;
  private readonly maxQueue: number;

  constructor(private readonly o: RadiusClientOptions) {
    this.timing = o.timing;
    this.maxQueue = o.maxQueue ?? DEFAULT_MAX_QUEUE;
  }

  /** New timers (a graceful restart); requests under way keep theirs. */
  setTiming(t: RadiusTiming): void {
    this.timing = t;
  }

  /** Counters per server, as "host:port" → stats. */
  stats(): ReadonlyMap<string, Readonly<RadiusServerStats>> {
    return new Map([...this.servers].map(([k, s]) => [k, { ...s.stats }]));
  }

  async access(servers: readonly RadiusServer[], attributes: readonly RadiusAttribute[], use: 'auth' | 'rpms'): Promise<RadiusAnswer | undefined> {
    try {
      return await this.exchange('Access-Request', servers, attributes, () => attributes, use);
    } catch (e) {
      this.o.warn?.(`RADIUS ${use} request failed: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }

  unencodable(attributes: readonly RadiusAttribute[]): string | undefined {
    try {
      // The largest Acct-Delay-Time a resend may add, so a record that fits now fits then.
      encodeRequest('Accounting-Request', 0, 'x', [...attributes.filter((a) => a[0] !== 'Acct-Delay-Time'), ['Acct-Delay-Time', 2 ** 32 - 1]]);
      return undefined;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  }

  async accounting(servers: readonly RadiusServer[], attributes: readonly RadiusAttribute[], delaySeconds: number): Promise<boolean> {
    const base = attributes.filter((a) => a[0] !== 'Acct-Delay-Time');
    const delay0 = Number.isFinite(delaySeconds) && delaySeconds > 0 ? Math.floor(delaySeconds) : 0;
    const startedAt = Date.now();
    const withDelay = () => [...base, ['Acct-Delay-Time', delay0 + Math.round((Date.now() - startedAt) / 1000)] as RadiusAttribute];
    try {
      return (await this.exchange('Accounting-Request', servers, attributes, withDelay, 'acct')) !== undefined;
    } catch (e) {
      this.o.warn?.(`RADIUS accounting request failed: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
  }

  /** Close the sockets; requests under way end as unanswered. */
  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.servers.values()) s.close();
    const socks = [this.sockets.udp4, this.sockets.udp6].filter((s): s is dgram.Socket => !!s);
    this.sockets = {};
    await Promise.all(socks.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }

  private state(key: string): ServerState {
    let s = this.servers.get(key);
    if (!s) {
      s = new ServerState(key);
      this.servers.set(key, s);
    }
    return s;
  }

  private debug(make: () => string): void {
    if (this.o.debug && (this.o.debugOn?.() ?? true)) this.o.debug(make());
  }

  /** Servers answering first (in the given order), then those passed over since they stopped answering. */
  private order(servers: readonly RadiusServer[]): RadiusServer[] {
    const now = Date.now();
    const down = (s: RadiusServer) => (this.servers.get(keyOf(s.host, s.port))?.downUntil ?? 0) > now;
    return [...servers.filter((s) => !down(s)), ...servers.filter(down)];
  }

  private async exchange(
    code: RequestCode,
    servers: readonly RadiusServer[],
    given: readonly RadiusAttribute[],
    attributesNow: () => readonly RadiusAttribute[],
    use: string,
  ): Promise<RadiusAnswer | undefined> {
    if (this.closed || servers.length === 0) return undefined;
    const listKey = servers.map((s) => keyOf(s.host, s.port)).join(',');
    const t = this.timing;
    const transmissions = 1 + (this.allFailed.has(listKey) ? t.afterFailure : t.count);
    const ordered = this.order(servers);
    this.debug(() => `${use} ${code}: ${describeRequest(given)} → ${ordered.map((s) => keyOf(s.host, s.port)).join(' then ')}, ${transmissions} transmission(s) each`);
    for (let i = 0; i < ordered.length; i++) {
      const server = ordered[i]!;
      const errorsBefore = this.encodeErrors;
      const answer = await this.tryServer(code, server, attributesNow, transmissions, t.intervalMs, use);
      if (answer) {
        this.allFailed.delete(listKey);
        return answer;
      }
      // Attributes that cannot be encoded fail on every server, and are no server's fault.
      if (this.closed || this.encodeErrors !== errorsBefore) return undefined;
      const st = this.state(keyOf(server.host, server.port));
      st.downUntil = Date.now() + t.retrySeconds * 1000;
      if (i + 1 < ordered.length) {
        st.stats.failedOver++;
        this.debug(() => `${use} ${code}: no answer from ${st.label}, trying ${keyOf(ordered[i + 1]!.host, ordered[i + 1]!.port)}`);
      }
    }
    this.allFailed.add(listKey);
    this.o.warn?.(`RADIUS ${code} (${use}): no answer from ${ordered.map((s) => keyOf(s.host, s.port)).join(' or ')}`);
    return undefined;
  }

  /** The address to send to: the host itself when it is an IP address, else its first DNS address. */
  private async address(host: string): Promise<string | undefined> {
    if (net.isIP(host)) return host;
    try {
      return (await lookup(host)).address;
    } catch {
      return undefined;
    }
  }

  private socket(family: 4 | 6): dgram.Socket {
    const name = family === 4 ? 'udp4' : 'udp6';
    let s = this.sockets[name];
    if (!s) {
      const sock = dgram.createSocket(name);
      sock.on('message', (msg, rinfo) => this.received(msg, rinfo));
      sock.on('error', (e) => this.o.warn?.(`RADIUS ${name} socket: ${e.message}`));
      sock.bind(0); // an ephemeral port; send() waits for the bind
      this.sockets[name] = sock;
      s = sock;
    }
    return s;
  }

  private async tryServer(
    code: RequestCode,
    server: RadiusServer,
    attributesNow: () => readonly RadiusAttribute[],
    transmissions: number,
    intervalMs: number,
    use: string,
  ): Promise<RadiusAnswer | undefined> {
    const address = await this.address(server.host);
    if (!address) {
      this.o.warn?.(`RADIUS server ${server.host} does not resolve`);
      return undefined;
    }
    const st = this.state(keyOf(address, server.port));
    const sock = this.socket(net.isIPv6(address) ? 6 : 4);
    const ids: number[] = [];
    let settle: (a: RadiusAnswer | undefined) => void = () => undefined;
    const answered = new Promise<RadiusAnswer | undefined>((r) => (settle = r));
    let answer: RadiusAnswer | undefined;
    let packet: Buffer | undefined;
    let lastAttrs: string | undefined;
    try {
      for (let n = 0; n < transmissions && !answer && !this.closed; n++) {
        const attrs = attributesNow();
        const shown = JSON.stringify(attrs, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v));
        if (!packet || shown !== lastAttrs) {
          // New content (first send, or a new Acct-Delay-Time): a new identifier.
          const id = await st.acquire(this.maxQueue);
          if (id === undefined || this.closed) return undefined;
          ids.push(id);
          try {
            packet = encodeRequest(code, id, server.secret, attrs);
          } catch (e) {
            st.release(id);
            ids.pop();
            this.encodeErrors++;
            this.o.warn?.(`RADIUS ${code} not sent: ${e instanceof Error ? e.message : String(e)}`);
            return undefined;
          }
          const request = packet;
          st.register(id, {
            request,
            secret: server.secret,
            deliver: (r) => {
              answer = { code: r.code, attributes: r.attributes, server };
              settle(answer);
            },
          });
          lastAttrs = shown;
        }
        if (n === 0) st.stats.sent++;
        else st.stats.retransmitted++;
        const out = packet;
        this.debug(() => `${use} send ${code} id ${out[1]} to ${st.label} (transmission ${n + 1} of ${transmissions}): ${describeRequest(attrs)}`);
        sock.send(out, server.port, address, (e) => {
          if (e) this.debug(() => `${use} send to ${st.label} failed: ${e.message}`);
        });
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([answered, new Promise<void>((r) => (timer = setTimeout(r, intervalMs)))]);
        clearTimeout(timer);
      }
      if (!answer) st.stats.timeouts++;
      else st.stats.answered++;
      return answer;
    } finally {
      for (const id of ids) st.release(id);
    }
  }

  private received(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const st = this.servers.get(keyOf(rinfo.address, rinfo.port));
    if (!st) {
      this.unknownSource++;
      this.debug(() => `dropped a datagram from ${keyOf(rinfo.address, rinfo.port)}: no request went there`);
      return;
    }
    const o = msg.length >= 2 ? st.pending.get(msg[1]!) : undefined;
    if (!o) {
      st.stats.badResponses++;
      this.debug(() => `dropped a datagram from ${st.label}: identifier ${msg[1]} matches no request in flight`);
      return;
    }
    const r = checkResponse(o.request, msg, o.secret);
    if (!r.ok) {
      st.stats.badResponses++;
      this.debug(() => `dropped a response from ${st.label} to id ${msg[1]}: ${r.why}`);
      return;
    }
    this.debug(() => `received ${r.response.code} id ${r.response.identifier} from ${st.label}: ${describeAttributes(r.response.attributes)}`);
    o.deliver(r.response);
  }
}
