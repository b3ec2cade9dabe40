// Farm-wide configuration: which directives a push may set on every member, merging a
// generation's values into a member's own sipd.conf, and the follower each sipd member
// runs to apply new generations (src/stores/mysql/farm-config-store.ts carries them).
//
// The farm-wide rule. A directive is host-specific, and never pushed, when its value is
// about this one host rather than the service the farm offers:
//  - where the host listens and who it is: ServerRoot, Listen, Port, SipTlsPort,
//    ServerName, IpAddrInPathHeaders, the process account (User, Group), AgentXSocket;
//  - every path (the host's own file layout: logs, pid and lock files, certificates and
//    keys, the rendezvous directories), i.e. every directive whose type is a path, plus
//    the log targets (ErrorLog, CustomLog, CommonLog);
//  - the farm member lists (Cisco_Registry_Farm_Members, Cisco_Routing_Farm_Members):
//    each member lists the others, so the lists differ by design;
//  - how the member reaches the shared database (DB_MySQL, the host names, database,
//    account, password, connect timeout): each member talks to its own Galera node, and a
//    wrong value pushed through the database would cut members off from the very channel
//    that could repair it. The subscriber table's name and column mapping are farm-wide;
//  - the ports of the replaced farm protocol (the *_Remote_Update_Port, Sip_Token_Port,
//    Sip_Services_Port), which are per host and do nothing any more.
// Everything else (timers, routing, authentication, accounting, access lists …) is the
// same service on every member and may be pushed. Blocks (<VirtualProxyHost> …) name a
// host's addresses and are edited per member.
//
// A member applies a generation only when its whole merged file loads as `sipd -t` loads
// it; then it writes it atomically and runs the operation the change needs.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { writeAtomic } from '../common/atomic-file.js';
import { setDirective } from '../config/conf-edit.js';
import type { Config, LoadOptions } from './config.js';
import { CONTAINER_INDEX, DIRECTIVE_INDEX, formatMessage, parseConfig } from './config.js';
import { FarmConfigTable } from '../stores/mysql/farm-config-store.js';
import type { FarmGeneration, FarmOutcome, FarmValues } from '../stores/mysql/farm-config-store.js';
import { farmMemberName, mysqlPoolFromConfig } from '../stores/open.js';
import { describeMySqlError } from '../stores/mysql/pool.js';

const HOST_SPECIFIC: ReadonlyMap<string, string> = new Map(
  [
    ...['ServerRoot', 'Listen', 'Port', 'SipTlsPort', 'ServerName', 'IpAddrInPathHeaders', 'User', 'Group', 'AgentXSocket'].map((n) => [n, 'it says where this host listens or who it is']),
    ...['ErrorLog', 'CustomLog', 'CommonLog'].map((n) => [n, "it names this host's log files"]),
    ...['LogLevel', 'DebugFlag'].map((n) => [n, 'it says how much this member logs, raised on one member while it is being debugged']),
    ...['Cisco_Registry_Farm_Members', 'Cisco_Routing_Farm_Members'].map((n) => [n, 'each member lists the other members, so the lists differ by design']),
    ...['DB_MySQL', 'DB_MySQL_HostName', 'DB_MySQL_Secondary_HostName', 'DB_MySQL_DB', 'DB_MySQL_Username', 'DB_MySQL_Password', 'DB_MySQL_Connect_Timeout'].map((n) => [
      n,
      'it says how this member reaches the shared database (its own node); a wrong value pushed through the database would cut members off from it',
    ]),
    ...['Cisco_Registry_Remote_Update_Port', 'Cisco_Routing_Remote_Update_Port', 'Sip_Token_Port', 'Sip_Services_Port'].map((n) => [n, 'it is a port of this host']),
  ] as [string, string][],
);

/** Why a directive may not be pushed to the whole farm (undefined: it may). Names are case-insensitive. */
export function notFarmWide(name: string): string | undefined {
  const d = DIRECTIVE_INDEX.get(name.toLowerCase());
  if (!d) return CONTAINER_INDEX.has(name.toLowerCase()) ? `<${name}> is a block: blocks name a host's addresses and are edited on each member` : `${name} is not a sipd.conf directive`;
  const why = HOST_SPECIFIC.get(d.name);
  if (why) return `${d.name} is host-specific (${why}): set it on each member`;
  if (d.type === 'path' || d.type.startsWith('path ')) return `${d.name} is host-specific (it is a path on this host): set it on each member`;
  return undefined;
}

/** The directives of every tab that a push may set (for the GUI and the man page). */
export function farmWideNames(): string[] {
  return [...DIRECTIVE_INDEX.values()].map((d) => d.name).filter((n, i, all) => all.indexOf(n) === i && !notFarmWide(n));
}

/**
 * Values to push, checked: names spelled as the schema spells them; a host-specific or
 * unknown name, or too many lines for a directive that takes one, is an error.
 */
export function checkFarmValues(values: FarmValues): { ok: true; values: Record<string, string[]> } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const out: Record<string, string[]> = {};
  for (const [name, lines] of Object.entries(values)) {
    const why = notFarmWide(name);
    if (why) {
      errors.push(why);
      continue;
    }
    const d = DIRECTIVE_INDEX.get(name.toLowerCase())!;
    if (!d.repeat && lines.length > 1) errors.push(`${d.name} takes one line, not ${lines.length}`);
    const bad = lines.find((l) => /[\r\n]/.test(l) || !l.trim());
    if (bad !== undefined) errors.push(`${d.name}: a value is one line of text (use "" alone to switch the directive off)`);
    out[d.name] = [...(out[d.name] ?? []), ...lines.map((l) => l.trim())];
  }
  return errors.length ? { ok: false, errors } : { ok: true, values: out };
}

/**
 * Directive lines as sipd.conf writes them ("Name value…", # comments, blank lines, a
 * trailing \ continues a line), e.g. the file `sip farm push --from` reads. A repeated
 * name gives one value per line; a name alone switches the directive off.
 */
export function parseDirectiveLines(text: string, source: string): { ok: true; values: Record<string, string[]> } | { ok: false; errors: string[] } {
  const values: Record<string, string[]> = {};
  const errors: string[] = [];
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const at = i + 1;
    let line = lines[i];
    while (/\\\s*$/.test(line) && i < lines.length - 1) line = `${line.replace(/\\\s*$/, '').trimEnd()} ${lines[++i].trim()}`;
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    if (t.startsWith('<')) {
      errors.push(`${source}:${at}: blocks (${t.split(/[\s>]/)[0]}>) are not pushed to the farm: they name a host's addresses; edit them on each member`);
      continue;
    }
    const name = t.split(/\s+/)[0];
    const rest = t.slice(name.length).trim();
    if (!/^[A-Za-z_]\w*$/.test(name)) {
      errors.push(`${source}:${at}: "${name}" is not a directive name`);
      continue;
    }
    values[name] ??= [];
    if (rest) values[name].push(rest);
  }
  return errors.length ? { ok: false, errors } : { ok: true, values };
}

/** sipd.conf text with each value set (conf-edit: comments and every other line kept), and a note per change. */
export function mergeFarmValues(text: string, file: string, values: FarmValues, by = 'sip farm push'): { text: string; notes: string[] } {
  const lines = text.split('\n');
  const notes: string[] = [];
  for (const [name, v] of Object.entries(values)) notes.push(...setDirective(lines, name, v, file, by));
  return { text: lines.join('\n'), notes };
}

/** The errors `sipd -t` would print for this text ([] when it loads), each file:line:col: message. */
export function confErrors(text: string, file: string, load: LoadOptions = {}): string[] {
  const r = parseConfig(text, file, load);
  return r.ok ? [] : r.errors.map(formatMessage);
}

/** What a member has to do after writing: as a graceful restart reports it. */
export interface GracefulOutcome {
  readonly ok: boolean;
  readonly errors?: readonly string[];
  readonly pending?: readonly string[];
}

export interface FarmFollowerOptions {
  /** The shared table (a test passes an in-memory one). */
  readonly table: Pick<FarmConfigTable, 'generation' | 'lastHandled' | 'record'>;
  /** This member's name on the outcome rows (farmMemberName). */
  readonly member: string;
  /** The names it goes by, for the pusher to match against its farm member lists. */
  readonly names: readonly string[];
  /** sipd.conf and the command-line overrides sipd loads it with. */
  readonly file: string;
  readonly load: LoadOptions;
  /** The text the running sipd loaded: a file already holding the values (saved by pserver here) may still wait for its graceful restart. */
  readonly loadedText?: () => string;
  /** Run a graceful restart (re-read the file), as `sip graceful` does. */
  readonly graceful: (source: string) => Promise<GracefulOutcome>;
  /** Stop and start this sipd (only a sipd run by the sip script can); without it a restart is left pending. */
  readonly restart?: () => void;
  readonly log: (level: 'info' | 'notice' | 'warn' | 'error', message: string) => void;
  /** How often the newest generation is read. Default 2000 ms. */
  readonly pollMs?: number;
}

/** The names a member goes by: its ServerName (or host name) first, then the host name. */
export function memberNames(member: string, config: Config): string[] {
  return [...new Set([member, config.values.ServerName ?? '', os.hostname()].map((n) => n.toLowerCase()).filter(Boolean))];
}

/**
 * Applies new generations to this member's sipd.conf. One generation at a time; a member
 * that was away applies only the newest (it carries every farm-wide value pushed so far).
 * An outcome that could not be recorded (database away) is recorded at the next poll,
 * without applying the generation again.
 */
export class FarmConfigFollower {
  private handled: number | undefined;
  private unrecorded: Omit<FarmOutcome, 'at'> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> | undefined;
  private failing = false;
  private closed = false;

  constructor(private readonly o: FarmFollowerOptions) {}

  start(): void {
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.o.pollMs ?? 2000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.busy;
  }

  /** One look at the newest generation (never two at once). */
  poll(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.busy ??= this.pollOnce()
      .then(() => {
        if (this.failing) this.o.log('info', 'farm configuration: the shared table answers again');
        this.failing = false;
      })
      .catch((e) => {
        if (!this.failing) this.o.log('warn', `farm configuration: cannot read the shared table (will try again): ${describeMySqlError(e)}`);
        this.failing = true;
      })
      .finally(() => (this.busy = undefined));
    return this.busy;
  }

  private async pollOnce(): Promise<void> {
    if (this.unrecorded) {
      await this.o.table.record(this.unrecorded);
      this.unrecorded = undefined;
    }
    this.handled ??= await this.o.table.lastHandled(this.o.member);
    const g = await this.o.table.generation();
    if (!g || g.gen <= this.handled || this.closed) return;
    const outcome = await this.apply(g);
    this.handled = g.gen;
    this.unrecorded = outcome;
    await this.o.table.record(outcome);
    this.unrecorded = undefined;
    if (outcome.operation === 'restart') {
      this.o.log('notice', `farm configuration generation ${g.gen}: restarting sipd as the push allows`);
      this.o.restart?.();
    }
  }

  private async apply(g: FarmGeneration): Promise<Omit<FarmOutcome, 'at'>> {
    const { member, names, file } = this.o;
    const out = (state: FarmOutcome['state'], operation: FarmOutcome['operation'], detail: readonly string[]) => {
      const level = state === 'invalid' || state === 'failed' ? 'error' : state === 'restart-pending' ? 'warn' : 'notice';
      this.o.log(level, `farm configuration generation ${g.gen} from ${g.pushedBy}: ${state}${operation !== 'none' ? ` (${operation})` : ''}${detail.length ? `: ${detail.join('; ')}` : ''}`);
      return { gen: g.gen, member, names, state, operation, detail };
    };
    // A generation written by another release (or by hand) may hold what this one keeps per host.
    const refused = Object.keys(g.directives).map(notFarmWide).filter((x): x is string => !!x);
    const values = Object.fromEntries(Object.entries(g.directives).filter(([n]) => !notFarmWide(n)));
    let before: string;
    try {
      before = readFileSync(file, 'utf8');
    } catch (e) {
      return out('failed', 'none', [`cannot read ${file}: ${(e as Error).message}`]);
    }
    const merged = mergeFarmValues(before, file, values);
    if (merged.text === before && (this.o.loadedText?.() ?? before) === before) return out('unchanged', 'none', refused.map((r) => `not applied: ${r}`));
    const errors = confErrors(merged.text, file, this.o.load);
    if (errors.length) return out('invalid', 'none', errors);
    if (merged.text !== before) {
      try {
        writeAtomic(file, merged.text);
      } catch (e) {
        return out('failed', 'none', [`cannot write ${file}: ${(e as Error).message} (sipd must be able to replace its configuration file for farm pushes)`]);
      }
    }
    const notes = [...merged.notes, ...refused.map((r) => `not applied: ${r}`)];
    const r = await this.o.graceful(`farm configuration generation ${g.gen}`);
    if (!r.ok) return out('failed', 'graceful', [...notes, ...(r.errors ?? ['the graceful restart failed'])]);
    const pending = r.pending ?? [];
    if (!pending.length) return out('applied', 'graceful', notes);
    if (g.allowRestart && this.o.restart) return out('applied', 'restart', [...notes, `restart for ${pending.join(', ')}`]);
    const why = g.allowRestart ? 'this sipd was not started by the sip script, so it cannot restart itself' : 'the push did not allow a restart';
    return out('restart-pending', 'graceful', [...notes, `${pending.join(', ')} changed and wait for a full restart (sip restart): ${why}`]);
  }
}

/** Whether a configuration makes this sipd a farm member on the shared database (and so a follower). */
export function isFarmOnMySql(c: Config): boolean {
  const v = c.values;
  return v.DB_MySQL && (v.Cisco_Registry_Farm_Members.length > 0 || v.Cisco_Routing_Farm_Members.length > 0);
}

/**
 * The follower of a farm member (undefined when the configuration is not one), on its own
 * small connection pool, closed with it.
 */
export function openFarmFollower(c: Config, o: Omit<FarmFollowerOptions, 'table' | 'member' | 'names'>): { follower: FarmConfigFollower; close(): Promise<void> } | undefined {
  if (!isFarmOnMySql(c)) return undefined;
  const pool = mysqlPoolFromConfig(c, (level, m) => (level === 'debug' ? undefined : o.log(level === 'warn' ? 'warn' : level === 'error' ? 'error' : 'info', `farm configuration: ${m}`)));
  const member = farmMemberName(c);
  const follower = new FarmConfigFollower({ ...o, table: new FarmConfigTable(pool, c.values.DB_MySQL_DB), member, names: memberNames(member, c) });
  follower.start();
  return {
    follower,
    close: async () => {
      await follower.stop();
      await pool.close();
    },
  };
}
