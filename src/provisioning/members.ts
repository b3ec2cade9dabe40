// The farm's members as pserver sees them: this host, whose sipd it reaches over the
// control socket, and the other members named by the farm directives of sipd.conf
// (Cisco_Registry_Farm_Members, Cisco_Routing_Farm_Members), which run their own pserver.
// On a farm on MySQL the shared farm_member table tells each member's state, pid, uptime,
// version and last heartbeat; elsewhere another host's state is unknown (null).
import type { PserverDeps } from './deps.js';
import { readConf } from './conf-save.js';
import { requiredOperation } from './operations.js';
import type { Required } from './operations.js';
import { localNames } from './sipd-link.js';
import type { SipdLink } from './sipd-link.js';
import { farmView } from '../server/farm-members.js';
import type { FarmViewEntry } from '../server/farm-members.js';
import { openFarmMemberTable } from '../stores/open.js';

export interface Member {
  readonly name: string;
  /** This host: pserver can see and drive its sipd. */
  readonly local: boolean;
  /** null: not known from here (another host). */
  readonly running: boolean | null;
  readonly pid?: number;
  readonly uptime?: number;
  readonly loadedAt?: string;
  readonly counters?: Readonly<Record<string, number>>;
  /** From the farm member table: starting, running, stopping, stopped, not answering, never seen. */
  readonly state?: string;
  readonly version?: string;
  /** Seconds since its last heartbeat, by the database's clock. */
  readonly heartbeatAgo?: number;
  readonly host?: string;
  /** Its SIP addresses ("UDP 192.0.2.1:5060"). */
  readonly sip?: readonly string[];
  /** The operation that makes the running sipd match sipd.conf (only while it runs). */
  readonly required?: Required;
  readonly note?: string;
}

/** Other members named in sipd.conf, without this host, in the order written. */
export function otherMembers(deps: PserverDeps): string[] {
  const v = deps.config().values;
  const mine = localNames();
  const all = [...v.Cisco_Registry_Farm_Members, ...v.Cisco_Routing_Farm_Members];
  return [...new Set(all.map((m) => m.toLowerCase()))].filter((m) => !mine.has(m.replace(/:\d+$/, '')));
}

/** This host (first) and the other members. */
export async function farmMembers(deps: PserverDeps, link: SipdLink): Promise<Member[]> {
  const [status, loaded] = await Promise.all([link.ask({ cmd: 'status' }), link.ask({ cmd: 'config' })]);
  let local: Member;
  if (!status) local = { name: 'this host', local: true, running: false, note: 'sipd is not running (or does not answer on its control socket)' };
  else {
    let required: Required | undefined;
    let note: string | undefined;
    try {
      if (loaded && typeof loaded.text === 'string') required = requiredOperation(deps.configFile, readConf(deps.configFile), { text: loaded.text, pending: Array.isArray(loaded.pending) ? loaded.pending.map(String) : [] });
      else note = 'sipd does not report the configuration it loaded (an older sipd): restart it once';
    } catch (e) {
      note = `cannot read ${deps.configFile}: ${(e as Error).message}`;
    }
    local = {
      name: 'this host',
      local: true,
      running: true,
      pid: Number(status.pid),
      uptime: Number(status.uptime),
      loadedAt: String(status.loadedAt ?? ''),
      counters: (status.counters ?? {}) as Record<string, number>,
      ...(required ? { required } : {}),
      ...(note ? { note } : {}),
    };
  }
  const table = await tableView(deps);
  if (!table.view) {
    const note = table.note ?? 'another host: use the pserver on that host to see and drive its sipd';
    return [local, ...otherMembers(deps).map((name): Member => ({ name, local: false, running: null, note }))];
  }
  const self = table.view.find((e) => e.self);
  const others = table.view.filter((e) => !e.self && (!e.named || otherMembers(deps).includes(e.name)));
  return [{ ...local, ...(self?.row ? { state: self.state, version: self.row.version, heartbeatAgo: secondsAgo(self), host: self.row.host, sip: self.row.sip } : {}) }, ...others.map(fromTable)];
}

const secondsAgo = (e: FarmViewEntry) => Math.round((e.heartbeatAgoMs ?? 0) / 1000);

/** Another member as its row in the farm member table shows it. */
function fromTable(e: FarmViewEntry): Member {
  const drive = 'use the pserver on that host to drive its sipd';
  if (!e.row) return { name: e.name, local: false, running: false, state: e.state, note: `no row in the farm member table: it has not run as a member of this farm; ${drive}` };
  const r = e.row;
  const up = e.state === 'starting' || e.state === 'running' || e.state === 'stopping';
  return {
    name: e.name,
    local: false,
    running: up,
    ...(up ? { pid: r.pid, uptime: Math.round((r.heartbeatMs + (e.heartbeatAgoMs ?? 0) - r.startedMs) / 1000) } : {}),
    state: e.state,
    version: r.version,
    heartbeatAgo: secondsAgo(e),
    host: r.host,
    sip: r.sip,
    note: e.named ? drive : `not named in this host's farm directives, yet its sipd shares the farm's database; ${drive}`,
  };
}

/** The farm as the member table shows it (undefined view when this is no farm on MySQL, with a note when the table cannot be read). */
async function tableView(deps: PserverDeps): Promise<{ view?: FarmViewEntry[]; note?: string }> {
  const config = deps.config();
  const t = openFarmMemberTable(config, () => undefined);
  if (!t) return {};
  try {
    return { view: farmView(config, await t.table.list()) };
  } catch (e) {
    return { note: `the farm member table cannot be read (${(e as Error).message}), so this host cannot tell; use the pserver on that host` };
  } finally {
    await t.close();
  }
}
