// The farm's members as pserver sees them: this host, whose sipd it reaches over the
// control socket, and the other members named by the farm directives of sipd.conf
// (Cisco_Registry_Farm_Members, Cisco_Routing_Farm_Members), which run their own pserver.
import type { PserverDeps } from './deps.js';
import { readConf } from './conf-save.js';
import { requiredOperation } from './operations.js';
import type { Required } from './operations.js';
import { localNames } from './sipd-link.js';
import type { SipdLink } from './sipd-link.js';

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
  const others = otherMembers(deps).map((name): Member => ({ name, local: false, running: null, note: 'another host: use the pserver on that host to see and drive its sipd' }));
  return [local, ...others];
}
