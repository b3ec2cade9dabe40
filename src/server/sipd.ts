// The sipd daemon's core: binds the SIP sockets, owns the logs, the pid file and the
// control socket, answers what this stage of the server answers, and switches
// configuration snapshots on a graceful restart.
//
// sipd is one event-driven process. Apache's process-pool directives are accepted
// and reported as having no effect; "graceful" re-reads the file in place and new
// requests take the new snapshot while requests already being handled keep theirs.
// Long: every phase of the daemon's life (start, graceful, txngraceful, stop) touches each part once, in order; the parts themselves live in their own modules.
import { formatMessage, gracefulSnapshot, loadConfigFile } from './config.js';
import { openFarmFollower } from './farm-config.js';
import type { Config, ConfigMessage, LoadOptions } from '../config/loader.js';
import { AccessLog, ErrorLog, MemStatsLog, StatsLog } from '../logging/index.js';
import type { AccessEntry, AccessLogOptions, ErrorLogOptions, LogLevelName } from '../logging/index.js';
import { buildResponse, isKeepAlive, parseMessage, serializeMessage, statelessTag } from '../sip/message.js';
import type { SipRequest, SipResponse } from '../sip/message.js';
import { ProxyCore } from '../proxy/core.js';
import { proxyIdentity } from '../proxy/identity.js';
import { handleDbControl } from './db-control.js';
import { DRAIN_RETRY_AFTER, Drain } from './drain.js';
import { MODULES } from './modules.js';
import { OpenModules } from './open-modules.js';
import { OpenStores } from './stores.js';
import { FarmMembership, sipAddresses } from './farm-members.js';
import { Listeners } from './listeners.js';
import { logNoEffect } from './no-effect.js';
import { isThisServer } from '../modules/registry/this-server.js';
import { TransactionLayer } from '../transaction/layer.js';
import { timersFrom } from '../transaction/timers.js';
import { loadPersistentTcp } from '../transport/persistent.js';
import { STREAM_MAX_MESSAGE_BYTES } from '../transport/framing.js';
import { TCP_DEFAULTS } from '../transport/tcp.js';
import type { TcpOptions } from '../transport/tcp.js';
import { hostPort } from '../transport/types.js';
import type { Inbound, Reply } from '../transport/types.js';
import { SipCounters, transactionGauges } from './counters.js';
import { OperStatus, SipSnmp } from './snmp/index.js';
import type { SipMibSource } from './snmp/index.js';
import { ControlServer, controlSocketPath } from './control.js';
import type { ControlReply, ControlRequest } from './control.js';
import { SERVER_TOKEN } from '../common/install.js';
import { daemonStderrPath, pidFileState, removePidFile, removeStalePidFile, writePidFile } from '../common/pidfile.js';
import { chownForAccount, isRoot, resolveAccount, switchTo } from './privileges.js';
import type { Account } from './privileges.js';
import type { LoadProgress } from '../stores/open.js';

export { ALLOWED_METHODS, SUPPORTED_OPTION_TAGS } from '../proxy/core.js';
export { DRAIN_RETRY_AFTER } from './drain.js';

/** Longest wait for the logs to flush and the sockets to close at stop. */
const STOP_TIMEOUT_MS = 5_000;

export class StartError extends Error {}

export interface SipdOptions {
  /** The configuration file; a graceful restart reads it again. */
  readonly file: string;
  /** The -C / -c / -d of the command line, applied again at each graceful restart. */
  readonly load: LoadOptions;
  /** TCP limits that sipd.conf has no directive for (tests shorten them). */
  readonly tcp?: Partial<TcpOptions>;
  /** Told how the stores' load at start goes ("loading routes", 400000); `sipd` passes it to its starter. */
  readonly progress?: LoadProgress;
  /** Stop and start this sipd (the daemon passes `sip restart`); a farm push allowing a restart uses it. */
  readonly restart?: () => void;
  /** How often a farm member reads the shared farm configuration (default 2 s; tests shorten it). */
  readonly farmPollMs?: number;
}

export interface GracefulResult {
  readonly ok: boolean;
  /** file:line:col: message, for each error of a rejected file. */
  readonly errors?: string[];
  /** Directives whose new value waits for a full restart. */
  readonly pending?: string[];
  readonly warnings?: string[];
}

type Logs = {
  error: ErrorLog;
  access?: AccessLog;
  stats?: StatsLog;
  mem?: MemStatsLog;
};

function errorLogOptions(c: Config): ErrorLogOptions {
  return { target: c.values.ErrorLog, level: c.values.LogLevel as LogLevelName, debugFlags: c.values.DebugFlag, serverRoot: c.serverRoot };
}

function accessLogOptions(c: Config): AccessLogOptions {
  return { setting: c.values.CommonLog ?? c.values.CustomLog, formats: c.values.LogFormat, hostnameLookups: c.values.HostnameLookups, serverRoot: c.serverRoot };
}

function fileTarget(c: Config, t: { kind: 'file'; path: string } | { kind: 'pipe'; command: string }): string | undefined {
  return t.kind === 'file' ? c.path(t.path) : undefined;
}

export class Sipd {
  readonly counters = new SipCounters();
  readonly startedAt = new Date();
  private current: Config;
  private pending: string[] = [];
  private readonly drain: Drain;
  private readonly listeners: Listeners;
  private control: ControlServer | undefined;
  private txn: TransactionLayer | undefined;
  private stores: OpenStores | undefined;
  /** Follows the farm-wide configuration pushed through the shared database (farm-config.ts). */
  private farmConfig: { close(): Promise<void> } | undefined;
  private modules: OpenModules | undefined;
  private snmp: SipSnmp | undefined;
  private proxy: ProxyCore | undefined;
  private farm: FarmMembership | undefined;
  private stopping: Promise<void> | undefined;
  private reloading: Promise<GracefulResult> = Promise.resolve({ ok: true });
  private readonly pidFile: string;

  private constructor(
    config: Config,
    private readonly opts: SipdOptions,
    private readonly logs: Logs,
  ) {
    this.current = config;
    this.drain = new Drain(logs.error);
    this.pidFile = config.path(config.values.PidFile);
    this.listeners = new Listeners(logs.error, { ...TCP_DEFAULTS, ...opts.tcp });
  }

  /** The snapshot new requests are handled with. */
  get config(): Config {
    return this.current;
  }

  get controlPath(): string | undefined {
    return this.control?.path;
  }

  get errorLog(): ErrorLog {
    return this.logs.error;
  }

  /**
   * Start everything, in the order that lets a root start drop its privileges safely:
   * check the account, open the logs, bind the sockets, write the pid file, open the
   * control socket, then give the log directories to User/Group and switch to it.
   * On failure everything already opened is closed again and a StartError is thrown.
   */
  static async start(config: Config, opts: SipdOptions): Promise<Sipd> {
    const v = config.values;
    const where = (name: string) => {
      const o = config.origin(name);
      return o ? `${o.file}:${o.line}` : undefined;
    };
    let account: Account | undefined;
    if (isRoot()) {
      const r = resolveAccount(v.User, v.Group, { user: where('User'), group: where('Group') });
      if (!r.ok) throw new StartError(r.error);
      account = r.account;
    }

    const pidFile = config.path(v.PidFile);
    const state = pidFileState(pidFile);
    if (state.state === 'running') throw new StartError(`sipd (pid ${state.pid}) is already running: pid file ${pidFile}`);
    if (state.state === 'stale') removeStalePidFile(pidFile);

    let error: ErrorLog;
    try {
      error = await ErrorLog.open(errorLogOptions(config));
    } catch (e) {
      throw new StartError(`cannot open the error log: ${(e as Error).message}`);
    }
    const logs: Logs = { error };
    const sipd = new Sipd(config, opts, logs);
    try {
      await sipd.bringUp(account);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      logs.error.emerg(`sipd could not start: ${msg}`);
      await sipd.teardown();
      throw e instanceof StartError ? e : new StartError(msg);
    }
    return sipd;
  }

  private async bringUp(account: Account | undefined): Promise<void> {
    const c = this.current;
    const log = this.logs.error;
    for (const w of c.warnings) log.warn(formatMessage(w));
    // The pid file first: loading a million routes takes seconds, and meanwhile the tools
    // and pserver must see a running sipd (and leave its database files alone) rather than
    // open the files themselves; a second start is refused for the same reason.
    writePidFile(this.pidFile);

    try {
      this.logs.access = await AccessLog.open(accessLogOptions(c));
    } catch (e) {
      throw new StartError(`cannot open the access log: ${(e as Error).message}`);
    }
    this.logs.stats = await StatsLog.open({ enabled: c.values.SIPStatsLog, intervalSeconds: c.values.SIPStatsInterval, serverRoot: c.serverRoot, counters: () => this.counters.snapshot() });
    this.logs.mem = await MemStatsLog.open({ enabled: c.values.SharedMemoryStatsLog, intervalMinutes: c.values.SharedMemoryStatsInterval, serverRoot: c.serverRoot });

    await this.listeners.bind(c, (data, from, reply) => this.onMessage(data, from, reply));
    await this.startFarm(c);
    await this.startProxy(c);
    this.snmp = new SipSnmp(this.mibSource(), log);
    await this.snmp.configure(c);

    const ctl = controlSocketPath(this.pidFile);
    try {
      this.control = await ControlServer.listen(ctl, (req) => this.onControl(req), (m) => log.error(m));
    } catch (e) {
      // Not fatal: the sip script falls back to signals.
      log.error(`cannot open the control socket ${ctl}: ${(e as Error).message}; sip status and graceful will use the pid file and signals`);
    }

    if (account) {
      const own = [this.pidFile, daemonStderrPath(this.pidFile), ...(this.control ? [this.control.path] : []), ...this.logFiles(c)];
      for (const p of chownForAccount(own, account)) log.warn(p);
      try {
        switchTo(account);
      } catch (e) {
        throw new StartError(`cannot switch to User ${c.values.User} / Group ${c.values.Group}: ${(e as Error).message}`);
      }
      log.info(`running as uid ${account.uid}, gid ${account.gid} (User ${c.values.User}, Group ${c.values.Group})`);
    } else {
      const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
      log.debug(`not started as root: User ${c.values.User} and Group ${c.values.Group} are ignored; running as uid ${uid ?? 'unknown'}`);
    }

    this.farmConfig = openFarmFollower(c, {
      file: this.opts.file,
      load: this.opts.load,
      graceful: (source) => this.graceful(source),
      loadedText: () => this.current.text,
      ...(this.opts.restart && { restart: this.opts.restart }),
      log: (level, m) => log.log(level, m),
      ...(this.opts.farmPollMs && { pollMs: this.opts.farmPollMs }),
    });
    log.notice(`listening on ${this.listeners.describe('log').join(', ')}`);
    logNoEffect(log, c);
    await this.farm?.setState('running');
    log.notice(`${SERVER_TOKEN} configured -- resuming normal operations (pid ${process.pid}, config ${c.file})`);
  }

  /** A farm member on MySQL writes its row (state starting) before the stores' long loads, so the others see it coming. */
  private async startFarm(c: Config): Promise<void> {
    const bound = this.listeners.bound();
    const identity = proxyIdentity(c, bound);
    this.farm = FarmMembership.open(c, this.logs.error, () => sipAddresses(bound, identity));
    await this.farm?.start();
  }

  /** The transaction layer, the stores, the modules (in the order of modules.ts) and the proxy core over the bound sockets. */
  private async startProxy(c: Config): Promise<void> {
    const log = this.logs.error;
    const transports = this.listeners.transports();
    const bound = this.listeners.bound();
    const stateMachine = (line: () => string) => log.isFlagOn('StateMachine') && log.flag('StateMachine', line());
    this.txn = new TransactionLayer(transports, timersFrom(c.values), (level, m) => log.log(level, m), stateMachine, this.counters);
    const isUs = (host: string, port: number | undefined) => isThisServer(host, port, this.current, bound);
    this.stores = await OpenStores.open(c, log, this.opts.progress);
    this.loadPersistentPeers(c);
    const identity = proxyIdentity(c, bound);
    this.modules = await OpenModules.open(MODULES, c, { log, bound, isThisServer: isUs, farmMemberAt: (host, port) => this.farm?.memberAt(host, port), stores: this.stores, counts: this.counters });
    const resolver = this.modules.resolver;
    if (!resolver) throw new StartError('no module in src/server/modules.ts resolves next hops');
    this.proxy = new ProxyCore({
      parts: this.modules.parts,
      resolver,
      txn: this.txn,
      transports,
      identity,
      log,
      serverToken: SERVER_TOKEN,
      isThisServer: isUs,
      farmMemberAt: (host, port) => this.farm?.memberAt(host, port),
      counts: this.counters,
      sent: (req, res, from, bytes) => this.logResponse(req, res, from, bytes),
    });
    this.counters.gauges = () => ({ ...transactionGauges(this.txn?.stats()), 'registrations.active': this.stores?.locations?.activeCount(Date.now()) ?? 0 });
  }

  /** conf/persistent_tcp.conf, read at start and at each graceful restart; a bad file keeps the peers as they were. */
  private loadPersistentPeers(c: Config): void {
    const r = loadPersistentTcp(c.path('conf/persistent_tcp.conf'));
    if (!r.ok) {
      for (const e of r.errors) this.logs.error.error(e);
      return;
    }
    this.listeners.setPersistent(r.peers);
  }

  /** Files sipd writes under its own name (for the ownership change after binding). */
  private logFiles(c: Config): string[] {
    const files: string[] = [];
    const e = fileTarget(c, c.values.ErrorLog);
    if (e) files.push(e);
    const a = fileTarget(c, (c.values.CommonLog ?? c.values.CustomLog).target);
    if (a) files.push(a);
    if (c.values.SIPStatsLog) files.push(c.path('logs/stats_log'));
    if (c.values.SharedMemoryStatsLog) files.push(c.path('logs/sharedmem_stats_log'));
    return files;
  }

  // ---- SIP ----

  private onMessage(data: Buffer, from: Inbound, reply: Reply): void {
    // Each message is handled with the snapshot in force when it arrived.
    const config = this.current;
    const start = process.hrtime.bigint();
    const time = new Date();
    if (isKeepAlive(data)) return;
    const log = this.logs.error;
    const peer = hostPort(from.remoteAddress, from.remotePort);
    if (log.isFlagOn('Parser')) log.flag('Parser', `Received ${data.length} bytes ${from.transport} packet from ${peer}\n${data.toString('utf8')}`);

    // UDP is capped at a datagram's worth (513 above it); streams already passed the framer's limits.
    const stream = from.transport !== 'UDP';
    const parsed = parseMessage(data, stream ? { stream, maxMessageBytes: STREAM_MAX_MESSAGE_BYTES } : { stream });
    if (!parsed.ok) {
      this.counters.parseErrors++;
      const req = parsed.message;
      // A request is answered whenever it can be (RFC 4475 §3): message.ts's canRespond says when.
      const answer = parsed.canRespond && req?.kind === 'request';
      const unanswered = req?.kind === 'request' && !answer ? ' (not answered: no top Via with a sent-by, no CSeq, or an ACK)' : '';
      log.info(`malformed SIP message from ${peer} (${from.transport}): ${parsed.reason}${unanswered}`);
      if (!answer) this.counters.discarded();
      else {
        this.counters.countRequest(req.method, true);
        const phrase = parsed.status === 400 ? capitalise(parsed.reason) : undefined;
        this.respond(req, buildResponse(req, parsed.status, phrase, { toTag: statelessTag(req), headers: [['Server', SERVER_TOKEN]] }), from, reply, start, time);
      }
      return;
    }
    const msg = parsed.message;
    if (msg.kind === 'response') {
      this.counters.countReceived(msg.status);
      this.proxy?.onResponse(msg, from, config);
      return;
    }
    this.counters.countRequest(msg.method);
    this.handleRequest(msg, config, from, reply, start, time);
  }

  private handleRequest(req: SipRequest, config: Config, from: Inbound, reply: Reply, start: bigint, time: Date): void {
    const drain = this.drain.verdict(req);
    if (drain) this.counters.requestReceived(req.method, false);
    if (drain?.drop) {
      this.counters.drainDropped++;
      this.counters.discarded();
      return;
    }
    if (drain) {
      this.counters.drainRejected++;
      const res = buildResponse(req, 503, undefined, { toTag: statelessTag(req), headers: [['Retry-After', String(drain.retryAfter)], ['Server', SERVER_TOKEN]] });
      this.respond(req, res, from, reply, start, time);
      return;
    }
    this.proxy?.onRequest(req, from, reply, config);
  }

  private respond(req: SipRequest, res: SipResponse, from: Inbound, reply: Reply, start: bigint, time: Date): void {
    const out = serializeMessage(res);
    if (!reply(out)) {
      this.logs.error.info(`could not answer ${req.method} from ${hostPort(from.remoteAddress, from.remotePort)}: the connection is closed`);
      return;
    }
    this.counters.responseSent(res, req.method, false);
    this.logResponse(req, res, from, out.length, start, time);
  }

  /** Count and log (error_log at debug, access_log) a response sent upstream. */
  private logResponse(req: SipRequest, res: SipResponse, from: Inbound, bytes: number, start = process.hrtime.bigint(), time = new Date()): void {
    this.counters.countSent(res.status);
    const log = this.logs.error;
    if (log.isLevelOn('debug')) log.debug(`${req.method} ${req.uri} from ${hostPort(from.remoteAddress, from.remotePort)} (${from.transport}) answered ${res.status} ${res.reason}`);
    const entry: AccessEntry = {
      remoteAddress: from.remoteAddress,
      remotePort: from.remotePort,
      localAddress: from.localAddress,
      localPort: from.localPort,
      transport: from.transport,
      method: req.method,
      requestUri: req.uri,
      protocol: req.version,
      requestHeader: (name) => req.headers.get(name),
      status: res.status,
      responseHeader: (name) => res.headers.get(name),
      bytes,
      start,
      end: process.hrtime.bigint(),
      time,
    };
    this.logs.access?.log(entry);
  }

  // ---- control ----

  private async onControl(req: ControlRequest): Promise<ControlReply> {
    switch (req.cmd) {
      case 'status':
        return { ok: true, ...this.status() };
      case 'graceful':
        return { ...(await this.graceful('control socket')) };
      case 'config':
        // After a graceful restart, `pending` names the directives still at their old value.
        return { ok: true, file: this.current.file, loadedAt: this.current.loadedAt.toISOString(), text: this.current.text, pending: [...this.pending] };
      case 'connections':
        return { ok: true, ...this.listeners.connections() };
      case 'txngraceful':
        return this.txnGraceful(req.seconds, req.behavior, req.retryAfter ?? DRAIN_RETRY_AFTER);
      case 'db':
        return handleDbControl(req, this.stores?.locations, this.stores?.routes);
    }
  }

  /** What the SIP MIB reads (src/server/snmp), live. */
  private mibSource(): SipMibSource {
    return {
      counters: this.counters,
      config: () => this.current,
      startedAt: this.startedAt.getTime(),
      operStatus: () => (this.stopping ? OperStatus.down : this.drain.status() ? OperStatus.quiescing : OperStatus.up),
      currentTransactions: () => (this.txn?.stats().serverActive ?? 0) + (this.txn?.stats().clientActive ?? 0),
      locations: () => this.stores?.locations,
      bound: () => this.listeners.bound(),
    };
  }

  status(): Record<string, unknown> {
    const c = this.current;
    return {
      pid: process.pid,
      uptime: Math.round((Date.now() - this.startedAt.getTime()) / 1000),
      rss: process.memoryUsage.rss(),
      startedAt: this.startedAt.toISOString(),
      config: c.file,
      serverRoot: c.serverRoot,
      loadedAt: c.loadedAt.toISOString(),
      logLevel: this.logs.error.level,
      listen: this.listeners.describe('status'),
      tcpConnections: this.listeners.tcpConnections,
      counters: this.counters.snapshot(),
      pending: [...this.pending],
      draining: this.drain.status(),
      ...(this.farm ? { farm: this.farm.status() } : {}),
    };
  }

  /**
   * Re-read the same file with the same command-line overrides. A file with errors is
   * rejected as a whole (each error logged with its file:line:col) and the running
   * snapshot stays. Otherwise new requests get the new snapshot; directives that need a
   * full restart keep their running values and are reported. Restarts run one at a time.
   */
  graceful(source: string): Promise<GracefulResult> {
    this.reloading = this.reloading.then(
      () => this.doGraceful(source),
      () => this.doGraceful(source),
    );
    return this.reloading;
  }

  private async doGraceful(source: string): Promise<GracefulResult> {
    if (this.stopping) return { ok: false, errors: ['sipd is stopping'] };
    const log = this.logs.error;
    log.notice(`graceful restart requested (${source}): reading ${this.opts.file}`);
    const r = loadConfigFile(this.opts.file, this.opts.load);
    if (!r.ok) {
      const errors = r.errors.map((e: ConfigMessage) => formatMessage(e));
      for (const e of errors) log.error(e);
      log.error(`graceful restart rejected: ${errors.length} error${errors.length === 1 ? '' : 's'} in ${this.opts.file}; still running with the configuration loaded at ${this.current.loadedAt.toISOString()}`);
      return { ok: false, errors, warnings: r.warnings.map(formatMessage) };
    }
    const { config, pending } = gracefulSnapshot(this.current, r.config);
    const warnings = r.warnings.map(formatMessage);

    // Logs first, so that what follows is written with the new LogLevel and targets.
    await log.reconfigure(errorLogOptions(config));
    for (const w of warnings) log.warn(w);
    try {
      await this.logs.access?.reconfigure(accessLogOptions(config));
    } catch (e) {
      const m = `access log not reconfigured (the previous settings stay): ${(e as Error).message}`;
      log.error(m);
      warnings.push(m);
    }
    await this.logs.stats?.reconfigure({ enabled: config.values.SIPStatsLog, intervalSeconds: config.values.SIPStatsInterval, serverRoot: config.serverRoot, counters: () => this.counters.snapshot() });
    await this.logs.mem?.reconfigure({ enabled: config.values.SharedMemoryStatsLog, intervalMinutes: config.values.SharedMemoryStatsInterval, serverRoot: config.serverRoot });
    this.listeners.reconfigure(config);
    this.txn?.setTimers(timersFrom(config.values));
    this.loadPersistentPeers(config);
    await this.stores?.reconfigure(config);
    await this.modules?.reconfigure(config);
    await this.snmp?.configure(config);
    await this.farm?.reconfigure(config);

    this.current = config;
    this.pending = pending;
    for (const name of pending) {
      const o = r.config.origin(name);
      log.warn(`${name}${o ? ` (${o.file}:${o.line})` : ''} changed but needs a full restart (sip restart) to take effect; the running value is kept`);
    }
    logNoEffect(log, r.config);
    log.notice(`${SERVER_TOKEN} configured -- resuming normal operations (graceful restart, pid ${process.pid})`);
    this.snmp?.restarted();
    return { ok: true, pending, warnings };
  }

  /**
   * Transaction-graceful drain: for `seconds`, new INVITE and REGISTER requests get
   * 503 with Retry-After (behavior 1) or no answer at all (behavior 2); everything else
   * is handled as usual. The sip script stops sipd when the time is up.
   */
  txnGraceful(seconds: number, behavior: 1 | 2, retryAfter: number = DRAIN_RETRY_AFTER): ControlReply {
    const log = this.logs.error;
    this.drain.start(seconds, behavior, retryAfter);
    this.snmp?.statusMayHaveChanged();
    const warnings: string[] = [];
    if (this.current.values.AddRecordRoute) {
      const m = 'AddRecordRoute is On: calls that recorded this proxy in their route lose their in-dialog requests while sipd is down';
      log.warn(m);
      warnings.push(m);
    }
    return { ok: true, seconds, behavior, retryAfter, ...(warnings.length ? { warnings } : {}) };
  }

  /** Stop accepting, close everything, remove the pid file. Safe to call twice. */
  stop(reason: string): Promise<void> {
    if (!this.stopping) {
      this.logs.error.notice(`${reason}, shutting down`);
      this.stopping = Promise.resolve();
      this.snmp?.statusMayHaveChanged(); // down: said before the subagent closes its session
      this.stopping = Promise.race([this.teardown(), new Promise<void>((r) => setTimeout(r, STOP_TIMEOUT_MS).unref())]);
    }
    return this.stopping;
  }

  private async teardown(): Promise<void> {
    this.drain.stop();
    const settle = (p: Promise<unknown> | undefined) => (p ? p.catch(() => undefined) : undefined);
    await settle(this.snmp?.close());
    await settle(this.farmConfig?.close());
    await settle(this.farm?.stop());
    this.txn?.close();
    await Promise.all([...this.listeners.close().map(settle), settle(this.control?.close()), settle(this.modules?.close())]);
    await settle(this.stores?.close());
    removePidFile(this.pidFile);
    await Promise.all([settle(this.logs.stats?.close()), settle(this.logs.mem?.close()), settle(this.logs.access?.close())]);
    await settle(this.logs.error.close());
  }
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The pid file and control socket of a configuration (for the sip script and tests). */
export function runtimePaths(c: Config): { pidFile: string; controlSocket: string } {
  const pidFile = c.path(c.values.PidFile);
  return { pidFile, controlSocket: controlSocketPath(pidFile) };
}
