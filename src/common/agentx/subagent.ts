// An AgentX subagent (RFC 2741): connects to a master agent, opens a session, registers its
// subtrees and answers the master's Get/GetNext/GetBulk and two-phase Sets from an OidTree.
// It reconnects by itself: when the master goes away (restart, crash, socket closed) it tries
// again with a growing delay (1 s up to 10 s) and registers everything afresh, and a Ping every
// 15 s finds a master that stopped answering on a connection that still looks open.
//
// net-snmp's (npm) Subagent was tried first and is not fit here: it connects over TCP only
// (no Unix socket), treats each 'data' event as exactly one PDU (no framing), ignores the end
// of a search range, has no reconnection and no timeouts (docs/decisions.md).
import net from 'node:net';
import type { AgentxAddress } from './address.js';
import { formatAgentxAddress } from './address.js';
import { AgentxError, CloseReason, encodePdu, PDU_NAMES, PduFramer, PduType, tryDecodePdu, VarType } from './pdu.js';
import type { Pdu, Varbind } from './pdu.js';
import type { OidTree, SetPlan } from './tree.js';
import { SetError } from './tree.js';

const SNMP_TRAP_OID_0 = [1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0];
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 10_000;
const PING_MS = 15_000;
const ANSWER_MS = 5000;

export type SubagentLog = (level: 'error' | 'warn' | 'info' | 'debug', message: string) => void;

export interface SubagentOptions {
  address: AgentxAddress;
  /** sysObjectID-like identity of the subagent, and its description (shown by the master). */
  id: number[];
  descr: string;
  /** Subtrees registered at priority 127 once the session is open. */
  subtrees: number[][];
  tree: OidTree;
  log: SubagentLog;
  /** Called each time the subtrees are registered (after a start or a master restart). */
  onRegistered?: () => void;
  /** Reconnection delays and ping period (tests shorten them). */
  retryMinMs?: number;
  retryMaxMs?: number;
  pingMs?: number;
}

interface Waiting {
  resolve(pdu: Pdu & { type: 18 }): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export class AgentxSubagent {
  private socket: net.Socket | undefined;
  private framer = new PduFramer();
  private sessionID = 0;
  private packetID = 1;
  private readonly waiting = new Map<number, Waiting>();
  private readonly sets = new Map<number, SetPlan[]>();
  private retryMs: number;
  private retryTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private registered = false;
  /** The master's sysUpTime (centiseconds) at a local time, from its last Response. */
  private clock: { upTime: number; at: number } | undefined;
  private lastError = '';

  constructor(private readonly options: SubagentOptions) {
    this.retryMs = options.retryMinMs ?? RETRY_MIN_MS;
  }

  get isRegistered(): boolean {
    return this.registered;
  }

  /** The master's sysUpTime now, in centiseconds (undefined before the first answer). */
  masterUpTime(now = Date.now()): number | undefined {
    return this.clock ? this.clock.upTime + Math.floor((now - this.clock.at) / 10) : undefined;
  }

  /** The master's sysUpTime at a past local time; 0 when that was before the master started. */
  upTimeAt(ms: number): number {
    const up = this.masterUpTime();
    if (up === undefined) return 0;
    return Math.max(0, up - Math.floor((Date.now() - ms) / 10));
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    const s = this.socket;
    if (!s) return;
    if (this.registered) await this.request({ type: 2, reason: CloseReason.shutdown }).catch(() => undefined);
    s.destroy();
  }

  /** Send a notification through the master (which adds sysUpTime.0); false when not connected. */
  notify(trapOid: number[], varbinds: Varbind[]): boolean {
    if (!this.registered) return false;
    this.request({ type: 12, varbinds: [{ oid: SNMP_TRAP_OID_0, type: VarType.OID, value: trapOid }, ...varbinds] })
      .then((r) => {
        if (r.error !== AgentxError.noAgentXError) this.options.log('warn', `AgentX master refused notification ${trapOid.join('.')} (error ${r.error})`);
      })
      .catch((e: Error) => this.options.log('warn', `AgentX notification ${trapOid.join('.')}: ${e.message}`));
    return true;
  }

  private where(): string {
    return formatAgentxAddress(this.options.address);
  }

  private connect(): void {
    if (this.stopped) return;
    const a = this.options.address;
    const s = a.kind === 'unix' ? net.createConnection(a.path) : net.createConnection(a.port, a.host);
    this.socket = s;
    this.framer = new PduFramer();
    s.on('connect', () => void this.openSession(s));
    s.on('data', (d) => this.onData(s, d));
    s.on('error', (e) => {
      // Said once per kind of failure, so a master that stays down does not flood error_log.
      if (e.message !== this.lastError) this.options.log(this.registered ? 'warn' : 'info', `AgentX master at ${this.where()}: ${e.message}`);
      this.lastError = e.message;
    });
    s.on('close', () => this.onClose(s));
  }

  private onClose(s: net.Socket): void {
    if (this.socket !== s) return;
    this.socket = undefined;
    if (this.registered) this.options.log('warn', `AgentX master at ${this.where()} went away; reconnecting`);
    this.registered = false;
    this.sessionID = 0;
    clearInterval(this.pingTimer);
    // Whoever waits for an answer (the session set-up, stop()) learns now, not never.
    for (const w of this.waiting.values()) {
      clearTimeout(w.timer);
      w.reject(new Error('the connection to the master closed'));
    }
    this.waiting.clear();
    this.sets.clear();
    if (this.stopped) return;
    this.retryTimer = setTimeout(() => this.connect(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, this.options.retryMaxMs ?? RETRY_MAX_MS);
  }

  private async openSession(s: net.Socket): Promise<void> {
    try {
      const open = await this.request({ type: 1, timeout: 0, id: this.options.id, descr: this.options.descr });
      if (open.error !== AgentxError.noAgentXError) throw new Error(`the master refused the session (error ${open.error})`);
      this.sessionID = open.sessionID;
      for (const subtree of this.options.subtrees) {
        const r = await this.request({ type: 3, timeout: 0, priority: 127, rangeSubid: 0, subtree });
        if (r.error !== AgentxError.noAgentXError) this.options.log('error', `AgentX master at ${this.where()} refused ${subtree.join('.')} (error ${r.error}: ${r.error === AgentxError.duplicateRegistration ? 'another subagent serves it' : 'see the master log'})`);
      }
    } catch (e) {
      this.options.log('warn', `AgentX session with ${this.where()}: ${(e as Error).message}`);
      s.destroy();
      return;
    }
    this.registered = true;
    this.lastError = '';
    this.retryMs = this.options.retryMinMs ?? RETRY_MIN_MS;
    this.options.log('info', `AgentX: registered ${this.options.subtrees.length} subtrees with the master at ${this.where()} (session ${this.sessionID})`);
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      this.request({ type: 13 }).catch(() => {
        this.options.log('warn', `AgentX master at ${this.where()} does not answer pings; reconnecting`);
        s.destroy();
      });
    }, this.options.pingMs ?? PING_MS);
    this.pingTimer.unref();
    this.options.onRegistered?.();
  }

  private request(body: Record<string, unknown> & { type: number }): Promise<Pdu & { type: 18 }> {
    const s = this.socket;
    if (!s) return Promise.reject(new Error('not connected'));
    const packetID = this.packetID;
    this.packetID = (this.packetID + 1) >>> 0 || 1;
    const pdu = { flags: 0, sessionID: this.sessionID, transactionID: 0, packetID, ...body } as Pdu;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(packetID);
        reject(new Error(`no answer to ${PDU_NAMES[body.type]} within ${ANSWER_MS / 1000} s`));
      }, ANSWER_MS);
      this.waiting.set(packetID, { resolve, reject, timer });
      s.write(encodePdu(pdu));
    });
  }

  private onData(s: net.Socket, data: Buffer): void {
    let pdus: Buffer[];
    try {
      pdus = this.framer.push(data);
    } catch (e) {
      this.options.log('warn', `AgentX master at ${this.where()} sent a bad PDU header (${(e as Error).message}); reconnecting`);
      s.destroy();
      return;
    }
    for (const buf of pdus) this.receive(s, buf);
  }

  private receive(s: net.Socket, buf: Buffer): void {
    const d = tryDecodePdu(buf);
    if (!d.ok) {
      this.options.log('warn', `AgentX: unparsable ${d.name} PDU from the master: ${d.reason}`);
      if (d.answer) this.respond(s, d.header, d.header.bigEndian, AgentxError.parseError);
      return;
    }
    const { pdu, bigEndian: be } = d;
    if (pdu.type === PduType.Response) {
      this.clock = { upTime: pdu.sysUpTime, at: Date.now() };
      const w = this.waiting.get(pdu.packetID);
      if (!w) return;
      this.waiting.delete(pdu.packetID);
      clearTimeout(w.timer);
      w.resolve(pdu);
      return;
    }
    if ('context' in pdu && pdu.context) {
      // Only the default context is registered; a master should not ask for another.
      this.respond(s, pdu, be, AgentxError.unsupportedContext);
      return;
    }
    const tree = this.options.tree;
    tree.beginRequest();
    switch (pdu.type) {
      case PduType.Get:
        return this.respond(s, pdu, be, 0, 0, pdu.ranges.map((r) => tree.get(r.start)));
      case PduType.GetNext:
        return this.respond(s, pdu, be, 0, 0, pdu.ranges.map((r) => tree.next(r.start, r.include, r.end)));
      case PduType.GetBulk:
        return this.respond(s, pdu, be, 0, 0, this.bulk(pdu));
      case PduType.TestSet:
        return this.testSet(s, pdu, be);
      case PduType.CommitSet:
        return this.finishSet(s, pdu, be, 'commit');
      case PduType.UndoSet:
        return this.finishSet(s, pdu, be, 'undo');
      case PduType.CleanupSet:
        this.sets.delete(pdu.transactionID); // no response (RFC 2741 §7.2.4.4)
        return;
      case PduType.Close:
        this.options.log('warn', `AgentX master at ${this.where()} closed the session (reason ${pdu.reason}); reconnecting`);
        s.destroy();
        return;
      default:
        this.respond(s, pdu, be, AgentxError.parseError);
    }
  }

  /** RFC 2741 §7.2.3.3: non-repeaters once, then up to max-repetitions rounds of the rest. */
  private bulk(pdu: Pdu & { type: 7 }): Varbind[] {
    const tree = this.options.tree;
    const out: Varbind[] = [];
    const n = Math.min(pdu.nonRepeaters, pdu.ranges.length);
    for (const r of pdu.ranges.slice(0, n)) out.push(tree.next(r.start, r.include, r.end));
    const rest = pdu.ranges.slice(n).map((r) => ({ ...r }));
    for (let round = 0; round < pdu.maxRepetitions && rest.length > 0; round++) {
      let allEnded = true;
      for (const r of rest) {
        const vb = tree.next(r.start, r.include, r.end);
        out.push(vb);
        if (vb.type !== VarType.EndOfMibView) {
          allEnded = false;
          r.start = vb.oid;
          r.include = false;
        }
      }
      if (allEnded) break;
    }
    return out;
  }

  private testSet(s: net.Socket, pdu: Pdu & { varbinds: Varbind[] }, be: boolean): void {
    const plans: SetPlan[] = [];
    for (let i = 0; i < pdu.varbinds.length; i++) {
      let r: SetPlan | number;
      try {
        r = this.options.tree.testSet(pdu.varbinds[i]);
      } catch (e) {
        this.options.log('warn', `AgentX set of ${pdu.varbinds[i].oid.join('.')}: ${(e as Error).message}`);
        r = SetError.genErr;
      }
      if (typeof r === 'number') return this.respond(s, pdu, be, r, i + 1);
      plans.push(r);
    }
    this.sets.set(pdu.transactionID, plans);
    this.respond(s, pdu, be, 0);
  }

  private finishSet(s: net.Socket, pdu: Pdu, be: boolean, phase: 'commit' | 'undo'): void {
    const plans = this.sets.get(pdu.transactionID) ?? [];
    const failed = phase === 'commit' ? SetError.commitFailed : SetError.undoFailed;
    const list = phase === 'commit' ? plans : [...plans].reverse();
    for (let i = 0; i < list.length; i++) {
      try {
        list[i][phase]();
      } catch (e) {
        this.options.log('error', `AgentX ${phase} failed: ${(e as Error).message}`);
        return this.respond(s, pdu, be, failed, phase === 'commit' ? i + 1 : list.length - i);
      }
    }
    this.respond(s, pdu, be, 0);
  }

  private respond(s: net.Socket, req: { sessionID: number; transactionID: number; packetID: number }, bigEndian: boolean, error: number, index = 0, varbinds: Varbind[] = []): void {
    const res: Pdu = { type: 18, flags: 0, sessionID: req.sessionID, transactionID: req.transactionID, packetID: req.packetID, sysUpTime: 0, error, index, varbinds };
    try {
      s.write(encodePdu(res, bigEndian));
    } catch (e) {
      this.options.log('warn', `AgentX: cannot encode the answer: ${(e as Error).message}`);
      s.write(encodePdu({ ...res, error: SetError.genErr, index: 0, varbinds: [] }, bigEndian));
    }
  }
}

