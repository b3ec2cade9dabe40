// The notification originator (RFC 3413 §3): one net-snmp session per notification target of
// snmpd.cnf, sending each notification as a trap or, where an snmpNotifyEntry asks for it, as
// an InformRequest that is sent again after the target's TIMEOUT (centiseconds) up to RETRIES
// times until the target answers. Informs are counted (OPENSPS-NOTIFY-MIB, ./index.ts) and an
// inform that is never answered is logged at warn with the target's name.
//
// Library notes (net-snmp 3.29): Session.inform keeps timeout and retries per session, so each
// target has its own session; for SNMPv3 it discovers the receiver's engine ID and time first
// (the receiver of an inform is the authoritative engine, RFC 3414 §1.5.1), but once it knows
// them it sends later requests to the session's `port` rather than its `trapPort`, so both are
// set to the target's port.
import snmp from 'net-snmp';
import type { RawUser, RawVarbind, Session } from 'net-snmp';
import type { LogLevel } from '../../mib-module.js';
import type { RequestSecurity, SnmpCounters } from '../../net-snmp/index.js';
import { oidToAddress } from '../../net-snmp/index.js';
import { OID } from '../../oids.js';
import { notifyTypeOf } from '../../cnf/snmpd-cnf.js';
import type { NotifyType, SnmpdConfig, TargetAddrEntry, TargetParamsEntry } from '../../cnf/snmpd-cnf.js';

const T = snmp.ObjectType;

/** What OPENSPS-NOTIFY-MIB serves. */
export interface InformCounters {
  sent: number;
  acknowledged: number;
  unacknowledged: number;
  retransmissions: number;
}

interface Target {
  name: string;
  version: 0 | 1 | 3;
  type: NotifyType;
  session: Session;
  /** Who the notification is sent as (snmpTargetParamsEntry): its notify view applies. */
  security: RequestSecurity;
  /** v1 only: the RFC 3584 fields the next trap must carry. */
  pendingV1?: { enterprise: string; generic: number; specific: number };
  /** Informs not yet answered or given up; a replaced target's session closes when it is 0. */
  inFlight: number;
  retired: boolean;
}

export interface OriginatorOptions {
  engineID: string;
  log: (level: LogLevel, message: string) => void;
  /** snmpOutTraps and snmpOutPkts: one each per notification handed to a target. */
  counters: SnmpCounters;
  /** The agent's own address for v1 traps' agent-addr. */
  agentAddr: () => string;
}

/** How a target's community and USM user are found (the agent's VACM and users). */
export interface Credentials {
  community(securityName: string): string | undefined;
  user(name: string): RawUser;
}

export class NotificationOriginator {
  readonly informs: InformCounters = { sent: 0, acknowledged: 0, unacknowledged: 0, retransmissions: 0 };
  private targets: Target[] = [];
  /** Replaced targets whose informs are still waiting for an answer. */
  private readonly retired = new Set<Target>();
  private readonly waiting = new Set<Promise<void>>();
  /** How to end each inform still waiting (close() gives them up). */
  private readonly giveUp = new Set<(e: Error) => void>();
  private closed = false;

  constructor(private readonly options: OriginatorOptions) {}

  /** (Re)build the targets from snmpd.cnf; informs still in flight finish on their old session. */
  configure(config: SnmpdConfig, credentials: Credentials): void {
    for (const t of this.targets) this.retire(t);
    this.targets = [];
    for (const t of config.targets) {
      const type = notifyTypeOf(config, t);
      if (!type) continue;
      const params = config.params.find((p) => p.name === t.params);
      if (!params) {
        this.options.log('warn', `${config.file}:${t.line}: snmpTargetAddrEntry ${t.name} names parameters ${t.params}, which no snmpTargetParamsEntry defines; no notifications go there`);
        continue;
      }
      try {
        this.targets.push(this.open(t, params, params.mpModel === 0 ? 'trap' : type, credentials));
      } catch (e) {
        this.options.log('warn', `notification target ${t.name}: ${(e as Error).message}`);
      }
    }
  }

  private open(t: TargetAddrEntry, params: TargetParamsEntry, type: NotifyType, credentials: Credentials): Target {
    // RFC 3413 snmpTargetAddrTimeout is in centiseconds; net-snmp takes milliseconds (and reads 0 as 5 s).
    const options = { trapPort: t.port, port: t.port, timeout: Math.max(10, t.timeout * 10), retries: t.retries, backoff: 1 };
    const session =
      params.mpModel === 3
        ? snmp.createV3Session(t.host, credentials.user(params.securityName), { ...options, version: snmp.Version3, engineID: this.options.engineID })
        : snmp.createSession(t.host, credentials.community(params.securityName) ?? params.securityName, { ...options, version: params.mpModel === 0 ? snmp.Version1 : snmp.Version2c });
    session.on('error', (e) => this.options.log('warn', `notification target ${t.name}: ${String(e)}`));
    const target: Target = { name: t.name, version: params.mpModel, type, session, security: paramsSecurity(params), inFlight: 0, retired: false };
    this.watchSends(target);
    return target;
  }

  /**
   * Every datagram of a session passes here: an InformRequest sent a second time is a
   * retransmission, and a v1 trap gets its RFC 3584 §3.2 fields (net-snmp builds v1 traps as
   * enterprise-specific only).
   */
  private watchSends(target: Target): void {
    const session = target.session;
    const send = session.send.bind(session);
    const seen = new WeakSet<object>();
    session.send = (req, noWait) => {
      const pdu = req.message.pdu;
      if (pdu.type === snmp.PduType.InformRequest) {
        if (seen.has(req)) this.informs.retransmissions++;
        else seen.add(req);
      }
      if (target.pendingV1 && pdu.type === snmp.PduType.Trap) {
        Object.assign(pdu, target.pendingV1);
        target.pendingV1 = undefined;
      }
      send(req, noWait);
    };
  }

  /** The targets a notification may go to, with the security it is sent as. */
  list(): ReadonlyArray<{ name: string; security: RequestSecurity }> {
    return this.targets;
  }

  /**
   * Send one notification to the named targets. Resolves once every trap is handed to the
   * transport and every inform has gone out the first time; an inform's answer (or its last
   * timeout) is awaited in the background (settled()). Never rejects: failures are logged.
   */
  async send(trapOid: string, varbinds: RawVarbind[], to: ReadonlyArray<{ name: string }>, upTime: number): Promise<void> {
    const chosen = this.targets.filter((t) => to.some((x) => x.name === t.name));
    await Promise.all(chosen.map((t) => (t.type === 'inform' ? this.inform(t, trapOid, varbinds, upTime) : this.trap(t, trapOid, varbinds, upTime))));
  }

  private sent(): void {
    this.options.counters.snmpOutTraps++;
    this.options.counters.snmpOutPkts++;
  }

  private trap(t: Target, trapOid: string, varbinds: RawVarbind[], upTime: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (e: Error | null) => {
        if (e) this.options.log('warn', `notification ${trapOid} to ${t.name}: ${e.message}`);
        else this.sent();
        resolve();
      };
      try {
        if (t.version === 0) {
          const v1 = toV1Trap(trapOid, varbinds);
          t.pendingV1 = v1.fields;
          t.session.trap(`${v1.fields.enterprise}.${v1.fields.specific}`, v1.varbinds, { upTime, agentAddr: this.options.agentAddr() }, done);
        } else {
          t.session.trap(trapOid, varbinds, { upTime }, done);
        }
      } catch (e) {
        done(e as Error);
      }
    });
  }

  private inform(t: Target, trapOid: string, varbinds: RawVarbind[], upTime: number): Promise<void> {
    this.informs.sent++;
    this.sent();
    t.inFlight++;
    let answered!: () => void;
    const settled = new Promise<void>((resolve) => (answered = resolve));
    this.waiting.add(settled);
    const finish = (e: Error | null) => {
      t.inFlight--;
      if (e) {
        this.informs.unacknowledged++;
        if (!this.closed) this.options.log('warn', `inform ${trapOid} to target ${t.name} not acknowledged: ${e.message}`);
      } else {
        this.informs.acknowledged++;
        this.options.log('debug', `inform ${trapOid} to target ${t.name} acknowledged`);
      }
      if (t.retired && t.inFlight === 0) {
        this.retired.delete(t);
        closeQuietly(t.session);
      }
      this.waiting.delete(settled);
      answered();
    };
    let once = false;
    const callback = (e: Error | null) => {
      if (once) return;
      once = true;
      this.giveUp.delete(callback);
      finish(e);
    };
    this.giveUp.add(callback);
    try {
      t.session.inform(trapOid, varbinds, { upTime }, callback);
    } catch (e) {
      callback(e as Error);
    }
    return Promise.resolve();
  }

  /** Resolves when every inform sent so far is acknowledged or given up; rejects after `timeoutMs`. */
  async settled(timeoutMs = 60_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`informs still waiting after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      while (this.waiting.size > 0) await Promise.race([Promise.all([...this.waiting]), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private retire(t: Target): void {
    t.retired = true;
    if (t.inFlight === 0) closeQuietly(t.session);
    else this.retired.add(t);
  }

  /** Close every session; informs still waiting end as unacknowledged (not logged). */
  close(): void {
    this.closed = true;
    // A session closed before its datagram left never calls back: end them here.
    for (const giveUp of [...this.giveUp]) giveUp(new Error('the agent is stopping'));
    for (const t of [...this.targets, ...this.retired]) closeQuietly(t.session);
    this.targets = [];
    this.retired.clear();
  }
}

function closeQuietly(session: Session): void {
  try {
    session.close();
  } catch {
    // already closed
  }
}

/** The security a notification to a target is sent with (its snmpTargetParamsEntry). */
function paramsSecurity(p: TargetParamsEntry): RequestSecurity {
  const model = p.model === 'snmpv1' ? 'v1' : p.model === 'snmpv2c' ? 'v2c' : 'usm';
  return { model, securityName: p.securityName, level: p.level, contextName: '', address: '', port: 0 };
}

/** RFC 3584 §3.2: an SNMPv2 notification as a v1 Trap-PDU. */
export function toV1Trap(trapOid: string, varbinds: Array<{ oid: string; type?: number; value?: unknown }>) {
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
