// ciagent's core: one net-snmp agent (with our fixes, net-snmp/), the snmpd.cnf
// configuration (communities, VACM, USM users, trap targets), the AgentContext handed to
// every MIB module, notifications, and the SNMPv2-MIB snmp group.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import snmp from 'net-snmp';
import type { MibNode, RawUser, RawVarbind, Session } from 'net-snmp';
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
import type { SnmpdConfig, TargetParamsEntry } from './cnf/snmpd-cnf.js';
import type { ConfigMessage } from '../config/loader.js';
import { Vacm } from './vacm.js';

const T = snmp.ObjectType;

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

interface Target {
  name: string;
  version: 0 | 1 | 3;
  session: Session;
  /** Who the notification is sent as (snmpTargetParamsEntry): its notify view applies. */
  security: RequestSecurity;
  /** v1 only: the RFC 3584 fields the next trap must carry. */
  pendingV1?: { enterprise: string; generic: number; specific: number };
}

export class AgentCore {
  readonly agent: NetSnmpAgent;
  readonly mibs: MibLibrary;
  config: SnmpdConfig;
  vacm: Vacm;
  readonly engineID: string;
  readonly startedAt = process.hrtime.bigint();
  private targets: Target[] = [];
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
    this.applySecurity();
    this.registerSnmpGroup();
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
    for (const t of this.targets) t.session.close();
    this.targets = [];
    for (const t of this.config.targets) {
      if (t.params === '') continue; // an address row used only as a community source filter
      const params = this.config.params.find((p) => p.name === t.params);
      if (!params) {
        this.log('warn', `${this.config.file}:${t.line}: snmpTargetAddrEntry ${t.name} names parameters ${t.params}, which no snmpTargetParamsEntry defines; no notifications go there`);
        continue;
      }
      try {
        if (params.mpModel === 3) {
          const user = this.rawUser(params.securityName);
          const session = snmp.createV3Session(t.host, user, { version: snmp.Version3, trapPort: t.port, engineID: this.engineID });
          session.on('error', (e) => this.log('warn', `notification target ${t.name}: ${String(e)}`));
          this.targets.push({ name: t.name, version: 3, session, security: paramsSecurity(params) });
        } else {
          const community = this.vacm.communityFor(params.securityName) ?? params.securityName;
          const version = params.mpModel === 0 ? snmp.Version1 : snmp.Version2c;
          const session = snmp.createSession(t.host, community, { version, trapPort: t.port });
          session.on('error', (e) => this.log('warn', `notification target ${t.name}: ${String(e)}`));
          const target: Target = { name: t.name, version: params.mpModel, session, security: paramsSecurity(params) };
          if (params.mpModel === 0) this.patchV1(target);
          this.targets.push(target);
        }
      } catch (e) {
        this.log('warn', `notification target ${t.name}: ${(e as Error).message}`);
      }
    }
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

  /** net-snmp builds v1 traps as enterprise-specific only; set RFC 3584 §3.2 fields instead. */
  private patchV1(target: Target): void {
    const session = target.session;
    const send = session.send.bind(session);
    session.send = (req, noWait) => {
      const pdu = req.message.pdu;
      if (target.pendingV1 && pdu.type === snmp.PduType.Trap) {
        Object.assign(pdu, target.pendingV1);
        target.pendingV1 = undefined;
      }
      send(req, noWait);
    };
  }

  /** SIGHUP: re-read snmpd.cnf; on errors keep the running configuration. */
  reloadConfig(): ConfigMessage[] {
    const { config, messages } = readSnmpdCnf(path.join(this.options.configDir, 'snmpd.cnf'));
    if (messages.some((m) => m.severity === 'error')) return messages;
    this.config = config;
    this.vacm = new Vacm(config);
    this.agent.setAccessPolicy(this.vacm);
    this.applySecurity();
    return messages;
  }

  // ---- notifications --------------------------------------------------------------------------

  async notify(trapOid: string, varbinds: Varbind[] = []): Promise<void> {
    const upTime = this.sysUpTime();
    const raw = varbinds.map((v) => ({ oid: v.oid, type: typeNumber(v.type), value: v.value }));
    await Promise.all(
      this.targets.filter((t) => this.mayNotify(t, trapOid, raw)).map(
        (t) =>
          new Promise<void>((resolve) => {
            const done = (e: Error | null) => {
              if (e) this.log('warn', `notification ${trapOid} to ${t.name}: ${e.message}`);
              else this.agent.counters.snmpOutTraps++;
              resolve();
            };
            try {
              if (t.version === 0) {
                const v1 = toV1Trap(trapOid, raw);
                t.pendingV1 = v1.fields;
                t.session.trap(trapOid.includes('.') ? `${v1.fields.enterprise}.${v1.fields.specific}` : trapOid, v1.varbinds, { upTime, agentAddr: this.agentAddr() }, done);
              } else {
                t.session.trap(trapOid, raw, { upTime }, done);
              }
            } catch (e) {
              done(e as Error);
            }
          }),
      ),
    );
  }

  /**
   * RFC 3413 §3.3 / RFC 3415 isAccessAllowed with viewType notify: a target hears a
   * notification only when its params' group's notify view holds the notification OID and
   * every object in it; otherwise (no group, no access entry, no view) it is not sent there.
   */
  private mayNotify(t: Target, trapOid: string, varbinds: Array<{ oid: string }>): boolean {
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
    for (const t of this.targets) {
      try {
        t.session.close();
      } catch {
        // already closed
      }
    }
    await this.agent.close();
  }
}

const toVarbind = (v: RawVarbind | undefined): Varbind | undefined => v && { oid: v.oid, type: typeName(v.type ?? T.Null), value: v.value as SnmpValue };

/** The security a notification to a target is sent with (its snmpTargetParamsEntry). */
function paramsSecurity(p: TargetParamsEntry): RequestSecurity {
  const model = p.model === 'snmpv1' ? 'v1' : p.model === 'snmpv2c' ? 'v2c' : 'usm';
  return { model, securityName: p.securityName, level: p.level, contextName: '', address: '', port: 0 };
}

/** RFC 3584 §3.2: an SNMPv2 notification as a v1 Trap-PDU. */
export function toV1Trap(trapOid: string, varbinds: Array<{ oid: string; type: number; value: unknown }>) {
  const addr = oidToAddress(trapOid);
  const standard = trapOid.startsWith(`${OID.snmpTraps}.`) && addr.length === 10 && addr[9] >= 1 && addr[9] <= 6;
  const enterpriseVb = varbinds.find((v) => v.oid === `${OID.snmpTrapEnterprise}.0`);
  let fields: { enterprise: string; generic: number; specific: number };
  if (standard) {
    fields = { enterprise: (enterpriseVb?.value as string) ?? OID.snmpTraps, generic: addr[9] - 1, specific: 0 };
  } else {
    const last = addr[addr.length - 1];
    const parent = addr[addr.length - 2] === 0 ? addr.slice(0, -2) : addr.slice(0, -1);
    fields = { enterprise: parent.join('.'), generic: 6, specific: last };
  }
  return {
    fields,
    varbinds: varbinds.filter((v) => v.type !== T.Counter64 && v.oid !== `${OID.snmpTrapEnterprise}.0`),
  };
}

export function ensureDir(dir: string): void {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
}
