// sipd as an AgentX subagent of ciagent (sipd.conf AgentXSocket): it registers the SIP MIB
// (sip-mib.ts) with the master, re-registers by itself when the master restarts, and sends
// RFC 4780's service and status-code notifications through it.
import type { Config } from '../../config/loader.js';
import type { ErrorLog } from '../../logging/index.js';
import { formatAgentxAddress } from '../../common/agentx/address.js';
import type { AgentxAddress } from '../../common/agentx/address.js';
import { VarType } from '../../common/agentx/pdu.js';
import { AgentxSubagent } from '../../common/agentx/subagent.js';
import type { OidTree } from '../../common/agentx/tree.js';
import { APPL_INDEX, ENTRY, NOTIFICATION, OPENSPS_SIP, SUBTREES } from './oids.js';
import { buildSipMib, NotifBit } from './sip-mib.js';
import { OperStatus } from './source.js';
import type { OperStatusValue, SipMibSource, SipMibState } from './source.js';
import { StatusCodes } from './status-codes.js';

export { OperStatus } from './source.js';
export type { SipMibSource } from './source.js';

export class SipSnmp {
  private subagent: AgentxSubagent | undefined;
  private address: AgentxAddress | undefined;
  private readonly tree: OidTree;
  private readonly codes: StatusCodes;
  private readonly state: SipMibState;
  private status: OperStatusValue;
  private coldStartSent = false;

  constructor(
    private readonly src: SipMibSource,
    private readonly log: ErrorLog,
  ) {
    this.status = src.operStatus();
    this.state = {
      lastChange: src.startedAt,
      notifEnable: new Set([NotifBit.coldStart, NotifBit.warmStart]),
      upTimeAt: (ms) => this.subagent?.upTimeAt(ms) ?? 0,
    };
    this.codes = new StatusCodes((trap, vbs) => this.subagent?.notify(trap, vbs), (ms) => this.state.upTimeAt(ms));
    this.tree = buildSipMib(src, this.codes, this.state);
    src.counters.onResponse = (dir, method, status, res) => this.codes.count(dir, method, status, res);
  }

  /** Connect (or not) as the configuration says; a changed AgentXSocket reconnects. */
  async configure(config: Config): Promise<void> {
    const want = config.values.AgentXSocket;
    const same = want && this.address && formatAgentxAddress(want) === formatAgentxAddress(this.address);
    if (same) return;
    await this.subagent?.stop();
    this.subagent = undefined;
    this.address = want;
    if (!want) return;
    this.subagent = new AgentxSubagent({
      address: want,
      id: OPENSPS_SIP,
      descr: `sipd (pid ${process.pid}): SIP-COMMON-MIB, SIP-SERVER-MIB (RFC 4780)`,
      subtrees: SUBTREES,
      tree: this.tree,
      log: (level, message) => (level === 'debug' ? this.log.debug(message) : this.log.log(level, message)),
      onRegistered: () => this.registered(),
    });
    this.subagent.start();
  }

  /** The first registration after start says so (coldStart); later ones are the master's restarts, not ours. */
  private registered(): void {
    if (this.coldStartSent) return;
    this.coldStartSent = true;
    if (this.state.notifEnable.has(NotifBit.coldStart)) this.codes.send(NOTIFICATION.sipCommonServiceColdStart, [this.ticks(3, this.src.startedAt)]);
  }

  /** After a graceful restart: warmStart, when enabled. */
  restarted(): void {
    this.state.lastChange = Date.now();
    if (this.state.notifEnable.has(NotifBit.warmStart)) this.codes.send(NOTIFICATION.sipCommonServiceWarmStart, [this.ticks(4, this.state.lastChange)]);
  }

  /** Look again at the service status; a change is a statusChanged notification, when enabled. */
  statusMayHaveChanged(): void {
    const now = this.src.operStatus();
    if (now === this.status) return;
    this.status = now;
    this.state.lastChange = Date.now();
    if (this.state.notifEnable.has(NotifBit.statusChanged)) {
      this.codes.send(NOTIFICATION.sipCommonServiceStatusChanged, [this.ticks(4, this.state.lastChange), { oid: [...ENTRY.sipCommonCfgEntry, 2, APPL_INDEX], type: VarType.Integer, value: now }]);
    }
  }

  private ticks(column: number, ms: number) {
    return { oid: [...ENTRY.sipCommonCfgEntry, column, APPL_INDEX], type: VarType.TimeTicks, value: this.state.upTimeAt(ms) % 2 ** 32 };
  }

  async close(): Promise<void> {
    this.src.counters.onResponse = undefined;
    await this.subagent?.stop();
    this.subagent = undefined;
  }
}

