// ciagent's core: one net-snmp agent (with our fixes, net-snmp/), the snmpd.cnf
// configuration (communities, VACM, USM users, trap targets), the AgentContext handed to
// every MIB module, notifications, and the SNMPv2-MIB snmp group.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import snmp from 'net-snmp';
import type { MibNode, RawUser, RawVarbind } from 'net-snmp';
import type {
  AgentContext, AgentModule, LogLevel, ScalarDef, ScalarHandle, ScalarHandlers, SnmpValue, TableDef, TableHandle, TableHandlers, Varbind,
} from './mib-module.js';
import { OID } from './oids.js';
import { createInForeignIndexedTables, createNetSnmpAgent, keepBinaryOctetStrings, localSubtrees, nextInstance, oidToAddress, readInstance, readThrough, walkThrough } from './net-snmp/index.js';
import { registerScalar, registerTable, typeNumber } from './providers.js';
import { AgentxMaster } from './agentx/master.js';
import type { NetSnmpAgent, RequestSecurity } from './net-snmp/index.js';
import { MibLibrary } from './mib-store.js';
import { scalarDefFromMib, tableDefFromMib, typeName } from './mib-tables.js';
import { readSnmpdCnf } from './cnf/snmpd-cnf.js';
import type { SnmpdConfig } from './cnf/snmpd-cnf.js';
import type { ConfigMessage } from '../config/loader.js';
import { Vacm } from './vacm.js';
import { NotificationOriginator } from './mibs/notify/originator.js';
import { registerNotifyMib } from './mibs/notify/index.js';

export interface AgentCoreOptions {
  rootDir: string;
  configDir: string;
  dataDir: string;
  /** Listen address and port (port 0: any free port). */
  address: string;
  port: number;
  /** Directories with MIB files (default: <rootDir>/mibs and <rootDir>/mibs/base). */
  mibDirs?: string[];
  log?: (level: LogLevel, message: string) => void;
  /** Default true; false only for the net-snmp regression tests. */
  fixes?: boolean;
}

export class ConfigError extends Error {
  constructor(readonly messages: ConfigMessage[]) {
    super(messages.map((m) => `${m.file}:${m.line}:${m.col}: ${m.message}`).join('\n'));
  }
}

/** Engine ID: snmpd.cnf's snmpEngineID, else one generated once and kept in dataDir. */
export function loadEngineId(dataDir: string, configured?: string): string {
  if (configured) return configured;
  const file = path.join(dataDir, 'snmp-engine-id');
  try {
    const hex = readFileSync(file, 'utf8').trim();
    if (/^([0-9a-f]{2}){5,32}$/i.test(hex)) return hex.toLowerCase();
  } catch {
    // first start: generate below
  }
  // RFC 3411 SnmpEngineID: 0x80 | enterprise (32473) , format 5 (octets), 8 random octets.
  const hex = `80007ed905${randomBytes(8).toString('hex')}`;
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${hex}\n`, { mode: 0o644 });
  return hex;
}

export class AgentCore {
  readonly agent: NetSnmpAgent;
  readonly mibs: MibLibrary;
  config: SnmpdConfig;
  vacm: Vacm;
  readonly engineID: string;
  readonly startedAt = process.hrtime.bigint();
  /** Notification targets, traps and informs (mibs/notify/). */
  readonly originator: NotificationOriginator;
  private readonly modules: Array<{ module: AgentModule; names: string[] }> = [];
  readonly log: (level: LogLevel, message: string) => void;
  private closed = false;
  /** The AgentX master, once startAgentX() ran. */
  agentx: AgentxMaster | undefined;

  private constructor(
    readonly options: AgentCoreOptions,
    config: SnmpdConfig,
  ) {
    this.log = options.log ?? (() => undefined);
    if (options.fixes !== false) keepBinaryOctetStrings();
    this.config = config;
    this.vacm = new Vacm(config);
    this.engineID = loadEngineId(options.dataDir, config.engineID);
    this.mibs = new MibLibrary({ dirs: options.mibDirs ?? [path.join(options.rootDir, 'mibs'), path.join(options.rootDir, 'mibs', 'base')], fixes: options.fixes });
    this.agent = createNetSnmpAgent({
      address: options.address,
      port: options.port,
      engineID: this.engineID,
      fixes: options.fixes,
      access: this.vacm,
      log: this.log,
      onAuthFailure: (address) => {
        this.log('info', `SNMP request from ${address} with an unknown community (dropped)`);
        if (this.config.enableAuthenTraps) void this.notify(OID.authenticationFailure, []);
      },
    });
    this.originator = new NotificationOriginator({ engineID: this.engineID, log: this.log, counters: this.agent.counters, agentAddr: () => this.agentAddr() });
    this.applySecurity();
    this.registerSnmpGroup();
    registerNotifyMib((def) => this.scalar(def), this.originator.informs);
    createInForeignIndexedTables(this.agent.raw, this.agent.mib);
  }

  /** Read snmpd.cnf (errors → ConfigError with file:line), bind, start nothing else yet. */
  static async create(options: AgentCoreOptions): Promise<AgentCore> {
    const { config, messages } = readSnmpdCnf(path.join(options.configDir, 'snmpd.cnf'));
    const errors = messages.filter((m) => m.severity === 'error');
    if (errors.length > 0) throw new ConfigError(errors);
    for (const w of messages) options.log?.('warn', `${w.file}:${w.line}:${w.col}: ${w.message}`);
    const core = new AgentCore(options, config);
    try {
      await core.agent.listening;
    } catch (e) {
      await core.agent.close();
      throw e;
    }
    return core;
  }

  get address(): { address: string; port: number } {
    const s = Object.values(this.agent.raw.listener.sockets)[0];
    const a = s.address();
    return { address: a.address, port: a.port };
  }

  /** Centiseconds since start (sysUpTime). */
  sysUpTime(): number {
    return Number((process.hrtime.bigint() - this.startedAt) / 10_000_000n) % 2 ** 32;
  }

  /** Communities and USM users into net-snmp's authorizer; trap target sessions. */
  private applySecurity(): void {
    const auth = this.agent.raw.getAuthorizer();
    auth.communities.splice(0);
    for (const c of this.config.communities) auth.addCommunity(c.community);
    auth.users.splice(0);
    for (const u of this.config.users) {
      if (u.engineID !== '' && u.engineID !== 'localSnmpID' && u.engineID.toLowerCase().replace(/^0x/, '') !== this.engineID) {
        this.log('warn', `${this.config.file}:${u.line}: usmUserEntry ${u.user} is for engine ${u.engineID}, not this agent's (${this.engineID}); ignored`);
        continue;
      }
      auth.addUser(this.rawUser(u.user));
    }
    this.originator.configure(this.config, {
      community: (securityName) => this.vacm.communityFor(securityName),
      user: (name) => this.rawUser(name),
    });
  }

  private rawUser(name: string): RawUser {
    const u = this.config.users.find((x) => x.user === name);
    if (!u) return { name, level: snmp.SecurityLevel.noAuthNoPriv };
    const level = u.priv !== 'none' ? snmp.SecurityLevel.authPriv : u.auth !== 'none' ? snmp.SecurityLevel.authNoPriv : snmp.SecurityLevel.noAuthNoPriv;
    const raw: RawUser = { name, level };
    if (u.auth !== 'none') {
      raw.authProtocol = snmp.AuthProtocols[u.auth];
      raw.authKey = u.authPassphrase;
    }
    if (u.priv !== 'none') {
      raw.privProtocol = snmp.PrivProtocols[u.priv];
      raw.privKey = u.privPassphrase;
    }
    return raw;
  }

  /** SIGHUP: re-read snmpd.cnf; on errors keep the running configuration. */
  reloadConfig(): ConfigMessage[] {
    const { config, messages } = readSnmpdCnf(path.join(this.options.configDir, 'snmpd.cnf'));
    if (messages.some((m) => m.severity === 'error')) return messages;
    for (const w of messages) this.log('warn', `${w.file}:${w.line}:${w.col}: ${w.message}`);
    this.config = config;
    this.vacm = new Vacm(config);
    this.agent.setAccessPolicy(this.vacm);
    this.applySecurity();
    return messages;
  }

  // ---- notifications --------------------------------------------------------------------------

  /**
   * Send a notification to every target whose notify view allows it, as a trap or an inform
   * (snmpd.cnf's snmpNotifyEntry). Resolves once it has gone out; informs' answers are awaited
   * in the background (originator.settled()).
   */
  async notify(trapOid: string, varbinds: Varbind[] = []): Promise<void> {
    const upTime = this.sysUpTime();
    const raw = varbinds.map((v) => ({ oid: v.oid, type: typeNumber(v.type), value: v.value }));
    const to = this.originator.list().filter((t) => this.mayNotify(t, trapOid, raw));
    await this.originator.send(trapOid, raw, to, upTime);
  }

  /**
   * RFC 3413 §3.3 / RFC 3415 isAccessAllowed with viewType notify: a target hears a
   * notification only when its params' group's notify view holds the notification OID and
   * every object in it; otherwise (no group, no access entry, no view) it is not sent there.
   */
  private mayNotify(t: { name: string; security: RequestSecurity }, trapOid: string, varbinds: Array<{ oid: string }>): boolean {
    for (const oid of [trapOid, ...varbinds.map((v) => v.oid)]) {
      const r = this.vacm.isAccessAllowed(t.security, 'notify', oid);
      if (r !== 'allowed') {
        this.log('debug', `notification ${trapOid} not sent to ${t.name}: ${oid} is ${r} for ${t.security.securityName}'s notify view`);
        return false;
      }
    }
    return true;
  }

  private agentAddr(): string {
    const a = this.options.address;
    return /^\d+\.\d+\.\d+\.\d+$/.test(a) && a !== '0.0.0.0' ? a : '127.0.0.1';
  }

  // ---- MIB registration -----------------------------------------------------------------------

  private registerSnmpGroup(): void {
    const c = this.agent.counters;
    const counter = (name: string, sub: number, get: () => number) =>
      this.scalar({ name, oid: `${OID.snmp}.${sub}`, type: 'Counter', access: 'read-only', get: () => get() % 2 ** 32 });
    counter('snmpInPkts', 1, () => c.snmpInPkts);
    counter('snmpOutPkts', 2, () => c.snmpOutPkts);
    counter('snmpInBadVersions', 3, () => c.snmpInBadVersions);
    counter('snmpInBadCommunityNames', 4, () => c.snmpInBadCommunityNames);
    counter('snmpInBadCommunityUses', 5, () => c.snmpInBadCommunityUses);
    counter('snmpInASNParseErrs', 6, () => c.snmpInASNParseErrs);
    counter('snmpInTotalReqVars', 13, () => c.snmpInTotalReqVars);
    counter('snmpInTotalSetVars', 14, () => c.snmpInTotalSetVars);
    counter('snmpInGetRequests', 15, () => c.snmpInGetRequests);
    counter('snmpInGetNexts', 16, () => c.snmpInGetNexts);
    counter('snmpInSetRequests', 17, () => c.snmpInSetRequests);
    counter('snmpOutGetResponses', 28, () => c.snmpOutGetResponses);
    counter('snmpOutTraps', 29, () => c.snmpOutTraps);
    this.scalar({
      name: 'snmpEnableAuthenTraps', oid: `${OID.snmp}.30`, type: 'Integer', access: 'read-only',
      get: () => (this.config.enableAuthenTraps ? 1 : 2),
    });
    counter('snmpSilentDrops', 31, () => c.snmpSilentDrops);
    counter('snmpProxyDrops', 32, () => c.snmpProxyDrops);
  }

  scalar(def: ScalarDef): ScalarHandle {
    return registerScalar(this.agent.mib, this.log, def);
  }

  table(def: TableDef): TableHandle {
    return registerTable(this.agent.mib, this.log, def);
  }

  tableFromMib(mibModule: string, tableName: string, handlers: TableHandlers = {}): TableHandle {
    // An INDEX object of another module's table must be registered already (RFC 2578 §7.7).
    const registered = (columnName: string) => {
      const other = Object.values(this.agent.mib.providers).find((o) => o.tableColumns?.some((c) => c.name === columnName));
      const column = other?.tableColumns?.find((c) => c.name === columnName)?.number;
      return other && column !== undefined ? { foreign: other.name, column } : undefined;
    };
    return this.table({ ...tableDefFromMib(mibModule, tableName, {}, this.mibs, registered), ...handlers });
  }

  scalarFromMib(mibModule: string, scalarName: string, handlers: ScalarHandlers = {}): ScalarHandle {
    return this.scalar({ ...scalarDefFromMib(mibModule, scalarName, this.mibs), ...handlers });
  }

  get(oid: string): Varbind | undefined {
    let node: MibNode | null;
    try {
      node = this.agent.mib.lookup(oidToAddress(oid));
    } catch {
      return undefined;
    }
    if (!node || Object.keys(node.children).length > 0) return undefined;
    const v = readInstance(this.agent.mib, node);
    return v ? { oid: node.oid, type: typeName(v.type), value: v.value as SnmpValue } : undefined;
  }

  walk(prefix: string): Varbind[] {
    const base = oidToAddress(prefix);
    const out: Varbind[] = [];
    let at = base;
    for (;;) {
      const node = nextInstance(this.agent.mib, at);
      if (!node || node.address.length <= base.length || base.some((p, i) => node.address[i] !== p)) break;
      const v = readInstance(this.agent.mib, node);
      if (v) out.push({ oid: node.oid, type: typeName(v.type), value: v.value as SnmpValue });
      at = node.address;
    }
    return out;
  }

  // ---- AgentX ---------------------------------------------------------------------------------

  /**
   * Listen for AgentX subagents on `socket` (a Unix socket path or tcp:HOST:PORT): their
   * registered subtrees join the tree SNMP requests see (VACM applies to them as to ours) and
   * their notifications go to our targets.
   */
  async startAgentX(socket: string, options: { defaultTimeoutMs?: number; socketGroup?: number } = {}): Promise<AgentxMaster> {
    if (this.agentx) throw new Error('the AgentX master is already running');
    const master = await AgentxMaster.listen({
      socket,
      log: this.log,
      sysUpTime: () => this.sysUpTime(),
      notify: (trapOid, varbinds) => this.notify(trapOid, varbinds),
      localSubtrees: () => localSubtrees(this.agent.mib),
      ...options,
    });
    this.agentx = master;
    this.agent.setExternalTree(master);
    return master;
  }

  /** The subagents' regions as a request sees them now (undefined: none registered). */
  private externalView() {
    return this.agentx?.view(() => localSubtrees(this.agent.mib));
  }

  // ---- modules --------------------------------------------------------------------------------

  /** The context one module sees (registrations are remembered for unregistering on stop). */
  contextFor(moduleName: string, names: string[]): AgentContext {
    const remember = <H extends { name: string }>(h: H): H => {
      names.push(h.name);
      return h;
    };
    return {
      configDir: this.options.configDir,
      dataDir: this.options.dataDir,
      rootDir: this.options.rootDir,
      log: (level, message) => this.log(level, `${moduleName}: ${message}`),
      sysUpTime: () => this.sysUpTime(),
      scalar: (def) => remember(this.scalar(def)),
      table: (def) => remember(this.table(def)),
      tableFromMib: (m, t, h) => remember(this.tableFromMib(m, t, h)),
      scalarFromMib: (m, s, h) => remember(this.scalarFromMib(m, s, h)),
      unregister: (name) => this.agent.mib.unregisterProvider(name),
      get: (oid) => this.get(oid),
      walk: (prefix) => this.walk(prefix),
      read: async (oid) => toVarbind(await readThrough(this.agent.mib, this.externalView(), oid)),
      readAll: async (prefix) => (await walkThrough(this.agent.mib, this.externalView(), prefix)).map((v) => toVarbind(v)!),
      notify: (trapOid, varbinds) => this.notify(trapOid, varbinds),
    };
  }

  /** Start modules in order; one that fails is logged and left out, the others still run. */
  async startModules(modules: readonly AgentModule[]): Promise<string[]> {
    const failed: string[] = [];
    for (const module of modules) {
      const names: string[] = [];
      try {
        await module.start(this.contextFor(module.name, names));
        this.modules.push({ module, names });
      } catch (e) {
        failed.push(module.name);
        this.log('error', `module ${module.name} did not start: ${(e as Error).stack ?? e}`);
        for (const n of names) this.agent.mib.unregisterProvider(n);
      }
    }
    return failed;
  }

  async reloadModules(): Promise<void> {
    for (const { module } of this.modules) {
      if (!module.reload) continue;
      try {
        await module.reload(this.contextFor(module.name, []));
      } catch (e) {
        this.log('error', `module ${module.name} reload failed: ${(e as Error).message}`);
      }
    }
  }

  async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.agentx) {
      this.agent.setExternalTree(undefined);
      await this.agentx.close();
    }
    for (const { module } of [...this.modules].reverse()) {
      try {
        await module.stop();
      } catch (e) {
        this.log('error', `module ${module.name} did not stop cleanly: ${(e as Error).message}`);
      }
    }
    this.originator.close();
    await this.agent.close();
  }
}

const toVarbind = (v: RawVarbind | undefined): Varbind | undefined => v && { oid: v.oid, type: typeName(v.type ?? snmp.ObjectType.Null), value: v.value as SnmpValue };

export { toV1Trap } from './mibs/notify/originator.js';

export function ensureDir(dir: string): void {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
}
