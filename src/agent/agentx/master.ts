// The AgentX master (RFC 2741): a stream listener (Unix socket, or tcp:HOST:PORT) that accepts
// subagent sessions and registrations, and answers the SNMP request path's questions about
// the OID space subagents own (ExternalTree in ../net-snmp/external.ts). Requests for a subagent's
// objects become AgentX Get/GetNext/TestSet… PDUs on its session, each with a time limit (the
// registration's timeout, else the session's from its Open, else 5 s); a subagent that does not
// answer in time makes the SNMP request fail with genErr. A subagent's Notify goes out through
// the agent's notification targets. A closed or broken connection drops its sessions and with
// them their registrations. Only the default context exists (ciagent answers no other).
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { ExternalTree, ExternalView } from '../net-snmp/index.js';
import type { LogLevel, Varbind as ModuleVarbind } from '../mib-module.js';
import { AgentxError, CloseReason, encodePdu, Flag, PDU_NAMES, PduFramer, PduType, tryDecodePdu } from '../../common/agentx/pdu.js';
import type { Pdu, Varbind } from '../../common/agentx/pdu.js';
import { parseAgentxAddress } from '../../common/agentx/address.js';
import { Registry } from './registry.js';
import type { Region, Registration } from './registry.js';
import type { Connection, Session } from './sessions.js';
import { regionView } from './master-view.js';
import type { ViewHost } from './master-view.js';
import { toModuleVarbind } from './varbinds.js';

export const DEFAULT_TIMEOUT_MS = 5000;
/** Consecutive unanswered requests after which a session is closed (Close-PDU reason
 *  timeouts, RFC 2741 §6.2.2). */
export const DEFAULT_MAX_TIMEOUTS = 3;
const SYS_UPTIME_0 = '1.3.6.1.2.1.1.3.0';
const SNMP_TRAP_OID_0 = '1.3.6.1.6.3.1.1.4.1.0';

export interface AgentxMasterOptions {
  /** A Unix socket path (optionally `unix:PATH`) or `tcp:HOST:PORT`. */
  socket: string;
  log: (level: LogLevel, message: string) => void;
  /** sysUpTime in centiseconds, for Response PDUs. */
  sysUpTime: () => number;
  /** Send a notification to the agent's targets (a subagent's Notify). */
  notify: (trapOid: string, varbinds: ModuleVarbind[]) => Promise<void>;
  /** Our own provider OIDs (registrations exactly on one of them at priority 127 are duplicates). */
  localSubtrees: () => number[][];
  /** When a subagent gives no time limit (default 5 s). */
  defaultTimeoutMs?: number;
  /** Close a session after this many consecutive timeouts (default 3). */
  maxTimeouts?: number;
  /** Mode of the Unix socket (default 0600: only the agent's own user may attach subagents). */
  socketMode?: number;
  /** Group id given the Unix socket (then mode 0660 unless socketMode says otherwise): sipd's group, so it can attach after dropping root. */
  socketGroup?: number;
}


export class AgentxMaster implements ExternalTree {
  private readonly server: net.Server;
  private readonly registry = new Registry();
  private readonly sessions = new Map<number, Session>();
  private readonly connections = new Set<Connection>();
  private nextSessionID = 1;
  private nextTransactionID = 1;
  private cache: { key: string; regions: Region[] } | undefined;
  private unixPath: string | undefined;
  readonly defaultTimeoutMs: number;
  readonly maxTimeouts: number;

  private constructor(private readonly options: AgentxMasterOptions) {
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxTimeouts = Math.max(1, options.maxTimeouts ?? DEFAULT_MAX_TIMEOUTS);
    this.server = net.createServer((socket) => this.accept(socket));
  }

  /** Bind and listen; rejects (with a message naming the socket) when that is impossible. */
  static async listen(options: AgentxMasterOptions): Promise<AgentxMaster> {
    const where = parseAgentxAddress(options.socket);
    if (typeof where === 'string') throw new Error(where);
    const m = new AgentxMaster(options);
    await new Promise<void>((resolve, reject) => {
      m.server.once('error', (e) => reject(new Error(`AgentX socket ${options.socket}: ${(e as Error).message}`)));
      if (where.kind === 'tcp') {
        m.server.listen(where.port, where.host, () => resolve());
        return;
      }
      try {
        mkdirSync(path.dirname(where.path), { recursive: true, mode: 0o755 });
        if (existsSync(where.path)) {
          // A socket left by an agent that died; anything else is not ours to delete.
          if (!lstatSync(where.path).isSocket()) throw new Error(`${where.path} exists and is not a socket`);
          unlinkSync(where.path);
        }
      } catch (e) {
        reject(new Error(`AgentX socket ${options.socket}: ${(e as Error).message}`));
        return;
      }
      // The socket is created with the umask in force: make it private from the start.
      const old = process.umask(0o177);
      try {
        m.server.listen(where.path, () => resolve());
      } finally {
        process.umask(old);
      }
      m.unixPath = where.path;
    });
    if (m.unixPath) {
      if (options.socketGroup !== undefined) chownSync(m.unixPath, -1, options.socketGroup);
      chmodSync(m.unixPath, options.socketMode ?? (options.socketGroup !== undefined ? 0o660 : 0o600));
    }
    m.server.on('error', (e) => options.log('error', `AgentX listener: ${e.message}`));
    return m;
  }

  /** The TCP port bound (tests), undefined for a Unix socket. */
  get port(): number | undefined {
    const a = this.server.address();
    return a && typeof a === 'object' ? a.port : undefined;
  }

  /** Sessions and their registrations, for logs and tests. */
  describe(): Array<{ id: number; descr: string; oid: string; subtrees: string[]; requests: number }> {
    return [...this.sessions.values()].map((s) => ({
      id: s.id, descr: s.descr, oid: s.oid, requests: s.requests,
      subtrees: this.registry.all().filter((r) => r.sessionID === s.id).map((r) => r.subtree.join('.') + (r.rangeSubid ? ` (sub-id ${r.rangeSubid} up to ${r.upperBound})` : '')),
    }));
  }

  async close(): Promise<void> {
    for (const c of [...this.connections]) this.drop(c, 'the agent is stopping', CloseReason.shutdown);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.unixPath) {
      try {
        unlinkSync(this.unixPath);
      } catch {
        // already gone
      }
    }
  }

  // ---- connections and administrative PDUs ---------------------------------------------------

  private accept(socket: net.Socket): void {
    const conn: Connection = { socket, sessions: new Set(), framer: new PduFramer() };
    this.connections.add(conn);
    socket.on('data', (data: Buffer) => {
      let pdus: Buffer[];
      try {
        pdus = conn.framer.push(data);
      } catch (e) {
        this.drop(conn, `unusable data (${(e as Error).message})`, CloseReason.parseError);
        return;
      }
      for (const buf of pdus) this.receive(conn, buf);
    });
    socket.on('error', (e) => this.options.log('debug', `AgentX connection: ${e.message}`));
    socket.on('close', () => this.drop(conn, 'connection closed'));
  }

  /** Forget a connection's sessions and registrations (and close it, sending Close if asked). */
  private drop(conn: Connection, why: string, reason?: number): void {
    if (!this.connections.delete(conn)) return;
    for (const id of conn.sessions) {
      const s = this.sessions.get(id);
      if (reason && s) this.send(s.conn, { type: PduType.Close, flags: 0, sessionID: id, transactionID: 0, packetID: 0, reason }, s.bigEndian);
      this.endSession(id, why);
    }
    conn.socket.end();
    conn.socket.destroy();
  }

  private endSession(id: number, why: string): void {
    const s = this.sessions.get(id);
    if (!s) return;
    this.sessions.delete(id);
    s.conn.sessions.delete(id);
    const n = this.registry.removeSession(id);
    for (const p of s.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(`subagent session ${id} ended (${why})`));
    }
    s.pending.clear();
    this.options.log('info', `AgentX session ${id} (${s.descr || 'no description'}) ended: ${why}; ${n} registration(s) removed`);
  }

  private send(conn: Connection, pdu: Pdu, bigEndian: boolean): void {
    if (conn.socket.destroyed) return;
    try {
      conn.socket.write(encodePdu(pdu, bigEndian));
    } catch (e) {
      this.options.log('warn', `AgentX: cannot encode a ${PDU_NAMES[pdu.type]} PDU: ${(e as Error).message}`);
    }
  }

  private respond(conn: Connection, req: { sessionID: number; transactionID: number; packetID: number }, bigEndian: boolean, error: number, index = 0, varbinds: Varbind[] = []): void {
    this.send(conn, { type: 18, flags: 0, sessionID: req.sessionID, transactionID: req.transactionID, packetID: req.packetID, sysUpTime: this.options.sysUpTime() % 2 ** 32, error, index, varbinds }, bigEndian);
  }

  private receive(conn: Connection, buf: Buffer): void {
    const d = tryDecodePdu(buf);
    if (!d.ok) {
      this.options.log('warn', `AgentX: unparsable ${d.name} PDU: ${d.reason}`);
      if (d.answer) this.respond(conn, d.header, d.header.bigEndian, AgentxError.parseError);
      return;
    }
    const { pdu, bigEndian: be } = d;
    if (pdu.type === PduType.Open) return this.open(conn, pdu, be);
    const session = this.sessions.get(pdu.sessionID);
    if (!session || session.conn !== conn) {
      if (pdu.type !== PduType.Response) this.respond(conn, pdu, be, AgentxError.notOpen);
      return;
    }
    if ('context' in pdu && pdu.context !== undefined && pdu.context !== '') {
      this.respond(conn, pdu, be, AgentxError.unsupportedContext);
      return;
    }
    switch (pdu.type) {
      case PduType.Close:
        this.respond(conn, pdu, be, AgentxError.noAgentXError);
        this.endSession(session.id, `the subagent closed it (reason ${pdu.reason})`);
        return;
      case PduType.Register:
        return this.register(conn, session, pdu, be);
      case PduType.Unregister: {
        const ok = this.registry.remove(session.id, pdu.subtree, pdu.rangeSubid, pdu.upperBound ?? 0, pdu.priority);
        if (ok) this.cache = undefined;
        this.respond(conn, pdu, be, ok ? AgentxError.noAgentXError : AgentxError.unknownRegistration);
        return;
      }
      case PduType.Notify:
        return this.notify(conn, session, pdu, be);
      case PduType.Ping:
      case PduType.AddAgentCaps:
      case PduType.RemoveAgentCaps:
        // Capabilities are accepted but not published (ciagent has no sysORTable).
        this.respond(conn, pdu, be, AgentxError.noAgentXError);
        return;
      case PduType.IndexAllocate:
      case PduType.IndexDeallocate:
        this.respond(conn, pdu, be, AgentxError.processingError, 0, pdu.varbinds);
        return;
      case PduType.Response: {
        const p = session.pending.get(pdu.packetID);
        if (!p) {
          this.options.log('debug', `AgentX session ${session.id}: a response to packet ${pdu.packetID}, which is not waiting (late after a timeout?)`);
          return;
        }
        session.pending.delete(pdu.packetID);
        clearTimeout(p.timer);
        session.timeouts = 0;
        p.resolve(pdu);
        return;
      }
      default:
        // Get/GetNext/… are the master's to send, not to receive.
        this.respond(conn, pdu, be, AgentxError.parseError);
    }
  }

  private open(conn: Connection, pdu: Pdu & { type: 1 }, bigEndian: boolean): void {
    let id = this.nextSessionID;
    while (this.sessions.has(id) || id === 0) id = (id + 1) >>> 0;
    this.nextSessionID = (id + 1) >>> 0;
    const session: Session = {
      id, conn, bigEndian, packetID: 1, pending: new Map(), timeouts: 0, requests: 0,
      timeoutMs: pdu.timeout > 0 ? pdu.timeout * 1000 : this.defaultTimeoutMs,
      descr: pdu.descr, oid: pdu.id.join('.'),
    };
    this.sessions.set(id, session);
    conn.sessions.add(id);
    this.options.log('info', `AgentX session ${id} opened: ${pdu.descr || 'no description'}${pdu.id.length ? ` (${session.oid})` : ''}, timeout ${session.timeoutMs / 1000} s`);
    this.respond(conn, { ...pdu, sessionID: id }, bigEndian, AgentxError.noAgentXError);
  }

  private register(conn: Connection, session: Session, pdu: Pdu & { type: 3 }, be: boolean): void {
    const fail = (error: number, why: string) => {
      this.options.log('info', `AgentX session ${session.id}: registration of ${pdu.subtree.join('.')} refused: ${why}`);
      this.respond(conn, pdu, be, error);
    };
    if (pdu.subtree.length === 0) return fail(AgentxError.parseError, 'empty subtree');
    if (pdu.rangeSubid !== 0 && (pdu.upperBound ?? 0) < pdu.subtree[pdu.rangeSubid - 1]) return fail(AgentxError.parseError, 'upper_bound below the range start');
    if (pdu.rangeSubid !== 0 && (pdu.upperBound ?? 0) - pdu.subtree[pdu.rangeSubid - 1] > 4096) return fail(AgentxError.requestDenied, 'a range of more than 4096 subtrees');
    const reg: Registration = {
      sessionID: session.id, subtree: pdu.subtree, rangeSubid: pdu.rangeSubid, upperBound: pdu.upperBound ?? 0,
      priority: pdu.priority, timeoutMs: pdu.timeout * 1000, instance: (pdu.flags & Flag.InstanceRegistration) !== 0,
    };
    if (this.registry.add(reg, this.options.localSubtrees()) === 'duplicate') return fail(AgentxError.duplicateRegistration, `already registered with priority ${pdu.priority}`);
    this.cache = undefined;
    this.options.log('debug', `AgentX session ${session.id} registered ${pdu.subtree.join('.')}${pdu.rangeSubid ? ` (sub-id ${pdu.rangeSubid} up to ${pdu.upperBound})` : ''} priority ${pdu.priority}`);
    this.respond(conn, pdu, be, AgentxError.noAgentXError);
  }

  private notify(conn: Connection, session: Session, pdu: Pdu & { varbinds: Varbind[] }, be: boolean): void {
    // RFC 2741 §6.2.10: [sysUpTime.0,] snmpTrapOID.0, then the notification's objects.
    let vbs = pdu.varbinds;
    if (vbs[0]?.oid.join('.') === SYS_UPTIME_0) vbs = vbs.slice(1);
    const trap = vbs[0];
    if (!trap || trap.oid.join('.') !== SNMP_TRAP_OID_0 || trap.type !== 6 || !Array.isArray(trap.value)) {
      this.options.log('warn', `AgentX session ${session.id}: a Notify without snmpTrapOID.0 ignored`);
      this.respond(conn, pdu, be, AgentxError.processingError);
      return;
    }
    const varbinds: ModuleVarbind[] = vbs.slice(1).map(toModuleVarbind);
    this.respond(conn, pdu, be, AgentxError.noAgentXError);
    void this.options.notify(trap.value.join('.'), varbinds).catch((e) => this.options.log('warn', `AgentX notification: ${(e as Error).message}`));
  }

  // ---- requests to subagents -----------------------------------------------------------------

  /** Send a request on a session and wait for its Response (rejects on timeout or session end). */
  private request(session: Session, pdu: Pdu, timeoutMs: number): Promise<Pdu & { type: 18 }> {
    return new Promise((resolve, reject) => {
      const packetID = session.packetID;
      session.packetID = (session.packetID % 0xffffffff) + 1;
      const timer = setTimeout(() => {
        session.pending.delete(packetID);
        reject(new Error(`subagent session ${session.id} (${session.descr || 'no description'}) did not answer a ${PDU_NAMES[pdu.type]} within ${timeoutMs / 1000} s`));
        if (++session.timeouts >= this.maxTimeouts) this.closeForTimeouts(session);
      }, timeoutMs);
      timer.unref();
      session.requests++;
      session.pending.set(packetID, { resolve, reject, timer });
      this.send(session.conn, { ...pdu, sessionID: session.id, packetID } as Pdu, session.bigEndian);
    });
  }

  /**
   * A subagent that keeps not answering is closed (Close-PDU, reason timeouts(4), RFC 2741
   * §6.2.2): its registrations go, so requests and walks no longer wait for it. The
   * connection stays open: the subagent may open a new session once it recovers.
   */
  private closeForTimeouts(session: Session): void {
    if (this.sessions.get(session.id) !== session) return;
    this.options.log('warn', `AgentX session ${session.id} (${session.descr || 'no description'}) did not answer ${session.timeouts} requests in a row: closing it (reason timeouts)`);
    this.send(session.conn, { type: PduType.Close, flags: 0, sessionID: session.id, transactionID: 0, packetID: 0, reason: CloseReason.timeouts }, session.bigEndian);
    this.cache = undefined;
    this.endSession(session.id, `closed by the master after ${session.timeouts} consecutive timeouts`);
  }

  private timeoutFor(reg: Registration): number {
    const s = this.sessions.get(reg.sessionID);
    return reg.timeoutMs > 0 ? reg.timeoutMs : (s?.timeoutMs ?? this.defaultTimeoutMs);
  }

  view(localSubtrees: () => number[][]): ExternalView | undefined {
    if (this.registry.all().length === 0) return undefined;
    const local = localSubtrees();
    const key = `${this.registry.version}|${local.length}|${local.map((l) => l.join('.')).join(',')}`;
    if (!this.cache || this.cache.key !== key) this.cache = { key, regions: this.registry.regions(local) };
    const regions = this.cache.regions;
    if (regions.length === 0) return undefined;
    const transactionID = this.nextTransactionID;
    this.nextTransactionID = (this.nextTransactionID % 0xffffffff) + 1;
    const host: ViewHost = {
      sessions: this.sessions,
      options: this.options,
      request: (session, pdu, timeoutMs) => this.request(session, pdu, timeoutMs),
      send: (conn, pdu, bigEndian) => this.send(conn, pdu, bigEndian),
      timeoutFor: (reg) => this.timeoutFor(reg),
    };
    return regionView(host, regions, local, transactionID);
  }
}
