// RADIUS accounting (guide chapter 1 "Accounting", Appendix B "Configuring Accounting
// Services"): Start and Stop records of every call leg (calls.ts), built as RADIUS
// attributes (record.ts) and handed to the radius module's service through a sender
// that keeps what no server acknowledged in an on-disk spool (sender.ts, spool.ts).
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Config } from '../../config/loader.js';
import type { SipdModule } from '../module.js';
import { flaggedLog, needService } from '../module.js';
import type { RadiusServer } from '../radius/service.js';
import { configuredServers } from '../radius/service.js';
import { CallAccounting } from './calls.js';
import { OpenLegJournal } from './open-legs.js';
import { accountingDirectives } from './directives.js';
import { RecordSender } from './sender.js';
import type { AccountingCounts } from './sender.js';
import { Spool } from './spool.js';

/** Pause between retries of the spool while no accounting server answers. */
const SPOOL_RETRY_MS = 2000;

/** The accounting servers of a configuration, primary first. */
export function accountingServers(config: Config): RadiusServer[] {
  const v = config.values;
  return configuredServers([
    { host: v.PrimaryRadiusAcctIp, port: v.PrimaryRadiusAcctPort, secret: v.PrimaryRadiusAcctSecret },
    { host: v.SecondaryRadiusAcctIp, port: v.SecondaryRadiusAcctPort, secret: v.SecondaryRadiusAcctSecret },
  ]);
}

/** The addresses (and names) of the registry and routing farm members, resolved once per snapshot. */
async function farmAddresses(config: Config): Promise<Set<string>> {
  const names = [...config.values.Cisco_Registry_Farm_Members, ...config.values.Cisco_Routing_Farm_Members];
  const out = new Set<string>();
  for (const n of names) {
    out.add(n.toLowerCase());
    if (isIP(n)) continue;
    try {
      for (const a of await lookup(n, { all: true })) out.add(a.address);
    } catch {
      // A name that does not resolve cannot be where a request comes from.
    }
  }
  return out;
}

/** The accounting module's figures in the counters snapshot (accounting.<key>). */
export function accountingSnapshot(counts: AccountingCounts, spoolDepth: number): Record<string, number> {
  return { sent: counts.sent, spooled: counts.spooled, spoolDepth, dropped: counts.dropped, unanswered: counts.unanswered };
}

export const accountingModule: SipdModule = {
  name: 'accounting',
  sections: [{ id: 'accounting', title: 'Accounting (RADIUS)', page: 15, tab: 'Accounting', switch: 'Accounting' }],
  directives: accountingDirectives,
  async open(config, deps) {
    const log = flaggedLog(deps.log, 'Radius');
    let current = config;
    const warn = (c: Config) => {
      if (!c.values.Accounting) return;
      const to = accountingServers(c).map((s) => `${s.host}:${s.port}`);
      log('info', `accounting: ${c.values.AccountingRecordFormat} records${to.length ? ` to ${to.join(', then ')}` : ''}; spool ${c.path('data/radius-spool')}`);
      if (!c.values.AddRecordRoute) log('warn', 'Accounting is On but AddRecordRoute is Off: BYEs will not pass through sipd, so calls get their Stop record only after AccountingMaxCallDuration');
      if (!accountingServers(c).length) log('warn', 'Accounting is On but no accounting server is configured (PrimaryRadiusAcctIp and PrimaryRadiusAcctSecret): records wait in the spool');
      if (!c.values.StatefulServer) log('warn', 'Accounting is On but StatefulServer is Off: a stateless proxy sees no call outcome and writes no records');
    };
    warn(config);
    const service = config.values.Accounting ? needService(deps, 'radius', 'accounting') : deps.services.radius;
    if (!service) return { close: () => Promise.resolve() };
    const spoolDir = config.path('data/radius-spool');
    let spool: Spool;
    try {
      spool = new Spool(spoolDir, config.values.AccountingSpoolMaxRecords);
    } catch (e) {
      const why = `accounting: cannot open the record spool ${spoolDir}: ${(e as Error).message}`;
      if (config.values.Accounting) throw new Error(why);
      log('warn', `${why}; accounting stays off until sipd is restarted with a usable ServerRoot/data`);
      return { close: () => Promise.resolve() };
    }
    if (spool.unreadable) log('warn', `accounting: ${spool.unreadable} unreadable record(s) in ${spool.dir} skipped`);
    const sender = new RecordSender({ service, servers: () => accountingServers(current), spool, retryMs: SPOOL_RETRY_MS, log });
    let farm = await farmAddresses(config);
    const nasIp = deps.bound.find((b) => isIP(b.address) === 4 && b.address !== '0.0.0.0')?.address;
    const journal = new OpenLegJournal(spoolDir);
    const calls = new CallAccounting({
      sender,
      journal,
      // The directives' names (resolved), and the members' SIP addresses from the farm member table.
      isFarm: (host, port) => deps.isThisServer(host, port) || farm.has(host.toLowerCase()) || (port !== undefined && deps.farmMemberAt?.(host, port) !== undefined),
      ...(nasIp ? { nasIp } : {}),
    });
    const leftOpen = calls.stopLeftOpen();
    if (leftOpen) log('warn', `accounting: ${leftOpen} call leg(s) were open when sipd last stopped without closing them; their Stop records are sent now, ending when that sipd was last alive`);
    deps.counts?.provide('accounting', () => accountingSnapshot(sender.counts, sender.spoolDepth));
    return {
      hooks: calls,
      async reconfigure(c) {
        current = c;
        spool.capacity = c.values.AccountingSpoolMaxRecords;
        farm = await farmAddresses(c);
        warn(c);
      },
      close: () => {
        sender.close();
        calls.stopAll();
        sender.finish();
        journal.close();
        return Promise.resolve();
      },
    };
  },
};
