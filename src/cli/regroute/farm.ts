// sysadmin_sps_regroute -f: the farm's members as the shared farm_member table shows them
// (state, last heartbeat, version, pid, host, start, SIP addresses), beside the members
// this sipd.conf names. It reads the table directly, so it works whether sipd runs or not.
import type { Config } from '../../config/loader.js';
import { farmView } from '../../server/farm-members.js';
import { openFarmMemberTable } from '../../stores/open.js';

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Print the farm; false (with the reason on standard error) when this is no farm on MySQL or the table cannot be read. */
export async function listFarm(config: Config, out: (line: string) => void, err: (line: string) => void): Promise<boolean> {
  const t = openFarmMemberTable(config, (level, m) => (level === 'error' || level === 'warn' ? err(m) : undefined));
  if (!t) {
    err(`${config.file} makes no farm member on MySQL (it needs DB_MySQL On and Cisco_Registry_Farm_Members or Cisco_Routing_Farm_Members naming the other members): there is no farm to show`);
    return false;
  }
  try {
    const listing = await t.table.list();
    const v = config.values;
    out(`farm members (table ${v.DB_MySQL_DB}.farm_member on ${v.DB_MySQL_HostName}, database clock ${iso(listing.dbNowMs)}):`);
    for (const e of farmView(config, listing)) {
      const tags = [e.self ? 'this host' : '', e.named ? '' : 'not named in sipd.conf'].filter(Boolean);
      out(`${e.name}${tags.length ? ` (${tags.join(', ')})` : ''}: ${e.state}`);
      const r = e.row;
      if (!r) continue;
      out(`  last heartbeat ${Math.round((e.heartbeatAgoMs ?? 0) / 1000)} s ago; version ${r.version}; pid ${r.pid} on ${r.host}; started ${iso(r.startedMs)}`);
      out(`  sip ${r.sip.join(', ') || '(none)'}; sipd.conf digest ${r.confDigest.slice(0, 12)}; clock ${r.clockSkewMs} ms off the database`);
    }
    return true;
  } catch (e) {
    err(`cannot read the farm member table: ${(e as Error).message} (install_mysql_db creates it)`);
    return false;
  } finally {
    await t.close();
  }
}
