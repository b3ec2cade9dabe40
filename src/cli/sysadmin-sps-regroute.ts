// sysadmin_sps_regroute — the registry and routing databases tool (guide Appendix C).
//
//   sysadmin_sps_regroute [-m routing|registry|both] [-l] [-i file] [-x file] [-p sipd.conf]
//
// With -l, -i or -x it does that and ends (import first, then export, then list);
// otherwise it runs the menu, reading one answer per line from standard input.
//
// Where the data goes: when sipd is running, every request goes over its control socket
// (src/server/db-control.ts), so sipd sees a change on its next request and no two
// processes write the database files. When sipd is stopped, the tool opens the store
// files itself. A running sipd whose socket does not answer is an error: the files are
// never opened behind a running server's back.
//
// Files are CSV (src/modules/routing/csv.ts, src/modules/registry/csv.ts). -x appends,
// as the guide says; each database starts with its header line, so one file can hold
// both and -i with -m both sends each part to its own database.
// Exit status: 0 done, 1 failed (nothing imported on any error), 2 usage.
import { closeSync, openSync, rmSync, writeFileSync, writeSync, readFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { formatMessage, loadConfigFile } from '../server/config.js';
import type { Config } from '../config/loader.js';
import { REGISTRATION_COLUMNS } from '../modules/registry/csv.js';
import { ROUTE_COLUMNS, ROUTE_DEFAULTS, csvLine, readCsvRecords } from '../modules/routing/csv.js';
import type { CsvError } from '../modules/routing/csv.js';
import type { RouteStore } from '../modules/routing/route.js';
import type { LocationStore } from '../modules/registry/location.js';
import { controlRequest, controlSocketPath } from '../server/control.js';
import { DbOperations, MAX_PAGE } from '../server/db-control.js';
import type { DbName, DbReply, DbRequest } from '../server/db-control.js';
import { DEFAULT_CONFIG_FILE } from '../common/install.js';
import { pidFileState } from '../common/pidfile.js';
import { openEmbeddedLocationStore } from '../stores/embedded/location-store.js';
import { openEmbeddedRouteStore, routeStoreOptions } from '../stores/embedded/route-store.js';

export const USAGE = `Usage: sysadmin_sps_regroute [-m routing|registry|both] [-l] [-i file] [-x file] [-p file]
  -m WHICH  the database: routing (1), registry (2) or both (3, the default)
  -l        list every entry of the database(s)
  -i FILE   import comma-separated entries from FILE (added, or replacing the same entry)
  -x FILE   export the database(s) to FILE as comma-separated entries (appended)
  -p FILE   the sipd.conf of the server (default ${DEFAULT_CONFIG_FILE})
  -D        trace each database request on standard error
  --help    this text
Without -l, -i or -x the tool shows its menu.`;

export interface Options {
  readonly dbs: readonly DbName[];
  readonly list: boolean;
  /** -D: trace each request to sipd or the files on standard error. */
  readonly debug: boolean;
  readonly importFile?: string;
  readonly exportFile?: string;
  readonly conf: string;
}

const NO_PSERVER = 'the tool reaches the running sipd through its control socket (or the database files when sipd is stopped), found from -p sipd.conf; there is no provisioning server or shared memory in between';

/** The guide's pserver and shared-memory options, and why OpenSPS has no use for them. */
const GUIDE_OPTIONS_NOT_NEEDED: Readonly<Record<string, string>> = {
  '-h': NO_PSERVER,
  '-j': NO_PSERVER,
  '-H': NO_PSERVER,
  '-J': NO_PSERVER,
  '-a': NO_PSERVER,
  '-A': NO_PSERVER,
  '-B': NO_PSERVER,
  '-T': NO_PSERVER,
  '-U': NO_PSERVER,
  '-V': NO_PSERVER,
  '-S': 'the routing database is named by Cisco_Routing_Rendezvous_Name in the sipd.conf given with -p',
  '-R': 'the registry database is named by Cisco_Registry_Rendezvous_Name in the sipd.conf given with -p',
  '-L': 'the database directories are Cisco_Routing_Rendezvous_Directory and Cisco_Registry_Rendezvous_Directory in the sipd.conf given with -p',
};

/** Parse the command line; a string is the usage error. */
export function parseArgs(argv: readonly string[]): Options | string {
  let dbs: DbName[] = ['routing', 'registry'];
  let list = false;
  let importFile: string | undefined;
  let exportFile: string | undefined;
  let conf = DEFAULT_CONFIG_FILE;
  let debug = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string | undefined => {
      const v = argv[i + 1];
      if (v === undefined || (v.startsWith('-') && v !== '-')) return undefined;
      i++;
      return v;
    };
    switch (a) {
      case '-m': {
        const v = value()?.toLowerCase();
        if (v === 'routing' || v === '1') dbs = ['routing'];
        else if (v === 'registry' || v === '2') dbs = ['registry'];
        else if (v === 'both' || v === '3') dbs = ['routing', 'registry'];
        else return `-m takes routing (1), registry (2) or both (3)${v === undefined ? '' : `, not "${v}"`}`;
        break;
      }
      case '-l':
      case '-1': // the guide prints -l as -1 in places
        // The guide's "-l file" imported Cisco SPS 2.0 stanza files; that format is not
        // described anywhere we can follow, so it is refused rather than guessed.
        if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('-')) {
          return `-l takes no file here: importing Cisco SPS 2.0 stanza files is not supported; export them as comma-separated entries and use -i ${argv[i + 1]}`;
        }
        list = true;
        break;
      case '-D':
        debug = true;
        break;
      case '-i':
      case '-x':
      case '-p': {
        const v = value();
        if (v === undefined) return `${a} needs a file name`;
        if (a === '-i') importFile = v;
        else if (a === '-x') exportFile = v;
        else conf = v;
        break;
      }
      case '--help':
        return 'help';
      default: {
        const why = GUIDE_OPTIONS_NOT_NEEDED[a];
        if (why) return `${a} is not needed with OpenSPS: ${why}`;
        return `unknown option "${a}"`;
      }
    }
  }
  return { dbs, list, conf, debug, ...(importFile !== undefined && { importFile }), ...(exportFile !== undefined && { exportFile }) };
}

// ---- where the requests go ----

export interface Backend {
  /** "sipd (pid N)" or "the database files". */
  readonly describe: string;
  run(req: DbRequest): Promise<DbReply>;
  close(): Promise<void>;
}

const log = (level: string, m: string) => {
  if (level === 'error' || level === 'warn') process.stderr.write(`sysadmin_sps_regroute: ${m}\n`);
};

function openLocalRouteStore(config: Config): Promise<RouteStore> {
  return openEmbeddedRouteStore({ ...routeStoreOptions(config, log), compactEveryMs: 0 });
}

async function openLocalRegistry(config: Config): Promise<LocationStore> {
  const v = config.values;
  return openEmbeddedLocationStore({
    dir: config.path(v.Cisco_Registry_Rendezvous_Directory),
    name: v.Cisco_Registry_Rendezvous_Name,
    maxAgeOnBootSeconds: v.Cisco_Registry_Max_DB_Age_on_Boot,
    log,
    compactEveryMs: 0,
  });
}

/** Stores opened on first use, closed (flushed) at the end. */
class LocalBackend implements Backend {
  readonly describe = 'the database files (sipd is not running)';
  private registry: Promise<LocationStore> | undefined;
  private routes: Promise<RouteStore> | undefined;
  constructor(private readonly config: Config) {}

  async run(req: DbRequest): Promise<DbReply> {
    try {
      if (req.db === 'registry') {
        this.registry ??= openLocalRegistry(this.config);
        return await new DbOperations(await this.registry, undefined).run(req);
      }
      this.routes ??= openLocalRouteStore(this.config);
      return await new DbOperations(undefined, await this.routes).run(req);
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
  }

  async close(): Promise<void> {
    const settle = async (p: Promise<{ close(): Promise<void> }> | undefined) => {
      try {
        await (await p)?.close();
      } catch {
        /* never opened */
      }
    };
    await Promise.all([settle(this.registry), settle(this.routes)]);
  }
}

class SipdBackend implements Backend {
  readonly describe: string;
  constructor(
    private readonly socket: string,
    pid: number,
  ) {
    this.describe = `sipd (pid ${pid})`;
  }
  async run(req: DbRequest): Promise<DbReply> {
    try {
      return await controlRequest(this.socket, req, 120_000);
    } catch (e) {
      return { ok: false, error: `no answer from sipd on ${this.socket}: ${(e as Error).message}` };
    }
  }
  async close(): Promise<void> {}
}

/** -D: each request and the shape of its reply on standard error. */
class TracingBackend implements Backend {
  constructor(private readonly inner: Backend) {}
  get describe(): string {
    return this.inner.describe;
  }
  async run(req: DbRequest): Promise<DbReply> {
    const started = Date.now();
    const reply = await this.inner.run(req);
    const r = reply as { ok: unknown; error?: unknown; size?: unknown };
    const outcome = r.ok === true ? `ok${typeof r.size === 'number' ? ` (${r.size} entries)` : ''}` : `error: ${String(r.error)}`;
    process.stderr.write(`sysadmin_sps_regroute: ${this.inner.describe} <- ${JSON.stringify(req).slice(0, 300)} -> ${outcome} in ${Date.now() - started} ms\n`);
    return reply;
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** The running sipd of this configuration, or the files when it is stopped. */
export async function connect(config: Config): Promise<Backend> {
  const pidFile = config.path(config.values.PidFile);
  const state = pidFileState(pidFile);
  if (state.state !== 'running') return new LocalBackend(config);
  const socket = controlSocketPath(pidFile);
  const b = new SipdBackend(socket, state.pid);
  const probe = await b.run({ cmd: 'db', db: 'registry', op: 'info' });
  const err = typeof probe.error === 'string' ? probe.error : '';
  // An answer that is no database reply comes from a sipd without the db command.
  if (probe.ok === undefined || /unknown command|unreadable answer/.test(err)) {
    throw new Error(`sipd (pid ${state.pid}) does not take database commands on its control socket ${socket}; stop it (sip stop) to edit its database files`);
  }
  if (err.startsWith('no answer from sipd')) {
    throw new Error(`sipd (pid ${state.pid}) is running but does not answer on ${socket}; its database files are left alone. ${err}`);
  }
  return b;
}

// ---- import and export ----

/** Control-socket lines stay well under its 64 KiB limit; bigger imports go by file. */
const INLINE_LIMIT = 48 * 1024;

interface Section {
  readonly db: DbName;
  /** The file's text with every line outside the section blanked, so line numbers stay right. */
  readonly text: string;
}

function isHeader(fields: readonly string[], columns: readonly string[]): boolean {
  return fields.length > 0 && fields[0].trim().toLowerCase() === columns[0].toLowerCase();
}

/**
 * Split an import file by database. With one database the whole file is its. With both,
 * each header line (pattern,… or aor,…) starts a part for its database; lines before
 * the first header are an error, since nothing says which database they are for.
 */
export function splitSections(text: string, dbs: readonly DbName[]): { sections: Section[]; errors: CsvError[] } {
  if (dbs.length === 1) return { sections: [{ db: dbs[0], text }], errors: [] };
  const { records } = readCsvRecords(text);
  const lines = text.split('\n');
  const starts: { line: number; db: DbName }[] = [];
  const errors: CsvError[] = [];
  for (const r of records) {
    if (isHeader(r.fields, ROUTE_COLUMNS)) starts.push({ line: r.line, db: 'routing' });
    else if (isHeader(r.fields, REGISTRATION_COLUMNS)) starts.push({ line: r.line, db: 'registry' });
    else if (starts.length === 0) {
      errors.push({ line: r.line, message: `with -m both, a part must start with its header line (${ROUTE_COLUMNS.slice(0, 3).join(',')},… for routes, ${REGISTRATION_COLUMNS.slice(0, 2).join(',')},… for registrations); or give -m routing or -m registry` });
      break;
    }
  }
  const sections: Section[] = [];
  starts.forEach((s, k) => {
    const end = k + 1 < starts.length ? starts[k + 1].line - 1 : lines.length;
    const part = lines.map((l, i) => (i + 1 >= s.line && i + 1 <= end ? l : '')).join('\n');
    const prev = sections.find((x) => x.db === s.db);
    if (prev) errors.push({ line: s.line, message: `a second ${s.db} part; put every ${s.db} entry under one header` });
    else sections.push({ db: s.db, text: part });
  });
  return { sections, errors };
}

function printErrors(file: string, reply: DbReply): void {
  const errs = Array.isArray(reply.errors) ? (reply.errors as CsvError[]) : [];
  for (const e of errs) process.stderr.write(`${file}:${e.line}: ${e.message}\n`);
  if (typeof reply.moreErrors === 'number') process.stderr.write(`${file}: … and ${reply.moreErrors} more errors\n`);
}

/** Import a file into the chosen database(s). True when everything was imported. */
export async function importFile(backend: Backend, file: string, dbs: readonly DbName[], out: (s: string) => void): Promise<boolean> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    process.stderr.write(`sysadmin_sps_regroute: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
    return false;
  }
  const { sections, errors } = splitSections(text, dbs);
  if (errors.length) {
    printErrors(file, { errors });
    process.stderr.write(`sysadmin_sps_regroute: ${file}: nothing was imported\n`);
    return false;
  }
  if (sections.length === 0) {
    out(`${file}: no entries to import`);
    return true;
  }
  let tmpDir: string | undefined;
  try {
    for (const s of sections) {
      let req: DbRequest;
      if (Buffer.byteLength(s.text) <= INLINE_LIMIT) req = { cmd: 'db', db: s.db, op: 'import', csv: s.text };
      else if (sections.length === 1) req = { cmd: 'db', db: s.db, op: 'import', file: abs };
      else {
        tmpDir ??= mkdtempSync(path.join(os.tmpdir(), 'regroute-'));
        const f = path.join(tmpDir, `${s.db}.csv`);
        writeFileSync(f, s.text, { mode: 0o644 });
        req = { cmd: 'db', db: s.db, op: 'import', file: f };
      }
      const reply = await backend.run(req);
      if (reply.ok !== true) {
        printErrors(file, reply);
        process.stderr.write(`sysadmin_sps_regroute: ${s.db} import from ${file} failed: ${String(reply.error)}\n`);
        return false;
      }
      const expired = typeof reply.expired === 'number' && reply.expired > 0 ? `, ${reply.expired} already expired and skipped` : '';
      out(`${s.db}: imported ${Number(reply.added) + Number(reply.replaced)} entries from ${file} (${reply.added} new, ${reply.replaced} replaced${expired})`);
    }
    return true;
  } finally {
    if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
  }
}

/** Page through a database's CSV; calls `chunk` with each page of text. */
async function eachCsvPage(backend: Backend, db: DbName, match: string | undefined, chunk: (csv: string) => void): Promise<number | string> {
  let offset: number | undefined = 0;
  let total = 0;
  while (offset !== undefined) {
    const reply = await backend.run({ cmd: 'db', db, op: 'export', offset, limit: MAX_PAGE, ...(match !== undefined && { match }) });
    if (reply.ok !== true) return String(reply.error);
    chunk(String(reply.csv));
    total = Number(reply.total);
    offset = typeof reply.next === 'number' ? reply.next : undefined;
  }
  return total;
}

/** Append the database(s) to a file. */
export async function exportFile(backend: Backend, file: string, dbs: readonly DbName[], out: (s: string) => void): Promise<boolean> {
  let fd: number;
  try {
    fd = openSync(file, 'a', 0o644);
  } catch (e) {
    process.stderr.write(`sysadmin_sps_regroute: cannot open ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
    return false;
  }
  try {
    for (const db of dbs) {
      const n = await eachCsvPage(backend, db, undefined, (csv) => writeSync(fd, csv));
      if (typeof n === 'string') {
        process.stderr.write(`sysadmin_sps_regroute: ${db} export failed: ${n}\n`);
        return false;
      }
      out(`${db}: exported ${n} entries to ${file}`);
    }
    return true;
  } finally {
    closeSync(fd);
  }
}

export async function listDb(backend: Backend, db: DbName, match: string | undefined, out: (s: string) => void): Promise<boolean> {
  out(`# ${db} database${match !== undefined ? `, entries containing "${match}"` : ''}`);
  const n = await eachCsvPage(backend, db, match, (csv) => {
    if (csv) out(csv.replace(/\n$/, ''));
  });
  if (typeof n === 'string') {
    process.stderr.write(`sysadmin_sps_regroute: ${db}: ${n}\n`);
    return false;
  }
  out(`# ${n} ${db === 'routing' ? 'route' : 'registration'}${n === 1 ? '' : 's'}`);
  return true;
}

// ---- the menu ----

/** Reads answers one line at a time; undefined at end of input. */
class Answers {
  private readonly lines: AsyncIterator<string>;
  constructor(input: NodeJS.ReadableStream, private readonly out: (s: string) => void) {
    this.lines = readline.createInterface({ input, terminal: false })[Symbol.asyncIterator]();
  }
  async ask(prompt: string): Promise<string | undefined> {
    process.stdout.write(prompt);
    const r = await this.lines.next();
    if (r.done) {
      this.out('');
      return undefined;
    }
    return r.value.trim();
  }
  /** A value with a default: empty or "*" takes it. */
  async value(prompt: string, def: string): Promise<string | undefined> {
    const a = await this.ask(`${prompt} [${def === '' ? 'none' : def}]: `);
    if (a === undefined) return undefined;
    return a === '' || a === '*' ? def : a;
  }
  /** A value without a default; empty gives undefined too (the caller cancels). */
  async required(prompt: string): Promise<string | undefined> {
    const a = await this.ask(`${prompt}: `);
    if (a === undefined || a === '') return undefined;
    return a;
  }
}

type Next = 'main' | 'previous' | 'quit' | 'stay';

function nav(choice: string): Next | undefined {
  if (choice === 'M') return 'main';
  if (choice === 'P') return 'previous';
  if (choice === 'Q') return 'quit';
  return undefined;
}

export class Menu {
  private db: DbName;
  constructor(
    private readonly backend: Backend,
    private readonly answers: Answers,
    private readonly out: (s: string) => void,
    dbs: readonly DbName[],
  ) {
    this.db = dbs.length === 1 ? dbs[0] : 'registry';
  }

  private header(title: string): void {
    this.out('');
    this.out(`Routing and Registry Databases - ${title}`);
    this.out(`  database: ${this.db} (through ${this.backend.describe})`);
  }

  async run(): Promise<void> {
    for (;;) {
      this.header('main menu');
      this.out('  S  select registry or routing database');
      this.out('  D  query, add to, or delete from the database');
      this.out('  I  import a configuration with route/registry entries <file>');
      this.out('  X  export current database entries to a configuration <file>');
      this.out('  Q  quit');
      const c = (await this.answers.ask('Choice: '))?.toUpperCase();
      if (c === undefined || c === 'Q') return;
      let next: Next = 'stay';
      if (c === 'S') next = await this.selectMenu();
      else if (c === 'D') next = await this.dataMenu();
      else if (c === 'I' || c === 'X') next = await this.fileAction(c);
      else if (c === 'M' || c === 'P' || c === '') continue;
      else this.out(`"${c}" is not a choice here; type S, D, I, X or Q`);
      if (next === 'quit') return;
    }
  }

  private async selectMenu(): Promise<Next> {
    for (;;) {
      this.header('select database');
      this.out('  Y  registry database');
      this.out('  Z  routing database');
      this.out('  D  display the database information');
      this.out('  M  main menu   P  previous menu   Q  quit');
      const c = (await this.answers.ask('Choice: '))?.toUpperCase();
      if (c === undefined) return 'quit';
      const n = nav(c);
      if (n) return n;
      if (c === 'Y') this.db = 'registry';
      else if (c === 'Z') this.db = 'routing';
      else if (c === 'D') {
        const r = await this.backend.run({ cmd: 'db', db: this.db, op: 'info' });
        if (r.ok !== true) this.out(`error: ${String(r.error)}`);
        else this.out(`${this.db} database: ${r.size} entries${r.active !== undefined ? ` (${r.active} active)` : ''}, kept by ${this.backend.describe}`);
      } else this.out(`"${c}" is not a choice here; type Y, Z, D, M, P or Q`);
    }
  }

  private async dataMenu(): Promise<Next> {
    for (;;) {
      this.header('query, add or delete');
      this.out('  A  add an entry to the database');
      this.out('  D  delete an entry from the database');
      this.out('  S  search the database');
      this.out('  L  list everything in the database');
      this.out('  M  main menu   P  previous menu   Q  quit');
      const c = (await this.answers.ask('Choice: '))?.toUpperCase();
      if (c === undefined) return 'quit';
      const n = nav(c);
      if (n) return n;
      if (c === 'L') await listDb(this.backend, this.db, undefined, this.out);
      else if (c === 'A' || c === 'D' || c === 'S') {
        const r = await this.entryMenu(c);
        if (r === 'quit' || r === 'main') return r;
      } else this.out(`"${c}" is not a choice here; type A, D, S, L, M, P or Q`);
    }
  }

  /** After A, D or S: E to enter the data, as many times as wanted. */
  private async entryMenu(action: 'A' | 'D' | 'S'): Promise<Next> {
    const what = { A: 'add', D: 'delete', S: 'search' }[action];
    const subject = action === 'S' ? (this.db === 'routing' ? 'the destination pattern' : 'the registry user ID') : this.db === 'routing' ? 'the route' : 'the registry user ID';
    for (;;) {
      this.header(`${what} (${this.db})`);
      this.out(`  E  enter ${subject}`);
      this.out('  M  main menu   P  previous menu   Q  quit');
      const c = (await this.answers.ask('Choice: '))?.toUpperCase();
      if (c === undefined) return 'quit';
      const n = nav(c);
      if (n) return n;
      if (c !== 'E') {
        this.out(`"${c}" is not a choice here; type E, M, P or Q`);
        continue;
      }
      const done = action === 'A' ? await this.add() : action === 'D' ? await this.remove() : await this.search();
      if (done === 'quit') return 'quit';
    }
  }

  private async add(): Promise<Next> {
    const a = this.answers;
    let line: string[];
    if (this.db === 'routing') {
      const pattern = await a.required('Destination pattern <e.g. +1408....... or .example.com>');
      if (pattern === undefined) return this.cancelled();
      const fields: [string, string][] = [
        ['Type <phone|ip>', 'phone'],
        ['Next hop <host or address>', ''],
        ['Next-hop port <0 = SRV lookup>', String(ROUTE_DEFAULTS.port)],
        ['Transport <UDP|TCP|TLS>', ROUTE_DEFAULTS.transport],
        ['Priority <0-65535>', String(ROUTE_DEFAULTS.priority)],
        ['Weight <0-65535>', String(ROUTE_DEFAULTS.weight)],
        ['Tech prefix <e.g. 001#>', ROUTE_DEFAULTS.techPrefix],
        ['Tech-prefix action <include|strip>', ROUTE_DEFAULTS.techPrefixAction],
        ['Allow less-specific route <yes|no>', 'no'],
        ['Route block <yes|no>', 'no'],
        ['In service <yes|no>', 'yes'],
        ['Label', ''],
      ];
      line = [pattern];
      for (const [prompt, def] of fields) {
        const v = await a.value(prompt, def);
        if (v === undefined) return 'quit';
        line.push(v);
      }
    } else {
      const aor = await a.required('Registry user ID <user@domain or +E.164 number>');
      if (aor === undefined) return this.cancelled();
      const contact = await a.required('Contact <sip: URI>');
      if (contact === undefined) return this.cancelled();
      const q = await a.value('Preference q <0-1>', '1');
      if (q === undefined) return 'quit';
      const expires = await a.value('Expires <ISO time, or never>', 'never');
      if (expires === undefined) return 'quit';
      line = [aor, contact, q, expires];
    }
    const reply = await this.backend.run({ cmd: 'db', db: this.db, op: 'import', csv: csvLine(line) });
    if (reply.ok === true) this.out(Number(reply.added) ? 'Added.' : Number(reply.replaced) ? 'Replaced the entry that was there.' : 'Nothing added (already expired).');
    else {
      const errs = Array.isArray(reply.errors) ? (reply.errors as CsvError[]).map((e) => e.message) : [String(reply.error)];
      this.out(`Not added: ${errs.join('; ')}`);
    }
    return 'stay';
  }

  private async remove(): Promise<Next> {
    const a = this.answers;
    let req: DbRequest;
    if (this.db === 'routing') {
      const pattern = await a.required('Destination pattern');
      if (pattern === undefined) return this.cancelled();
      const type = await a.value('Type <phone|ip>', 'phone');
      const nextHop = await a.value('Next hop', '');
      const port = await a.value('Next-hop port', '0');
      if (type === undefined || nextHop === undefined || port === undefined) return 'quit';
      if ((type !== 'phone' && type !== 'ip') || !/^\d+$/.test(port)) {
        this.out('Not deleted: type must be phone or ip and the port a number');
        return 'stay';
      }
      req = { cmd: 'db', db: 'routing', op: 'remove', keys: [{ pattern, type, nextHop, port: Number(port) }] };
    } else {
      const aor = await a.required('Registry user ID');
      if (aor === undefined) return this.cancelled();
      const contact = await a.required('Contact <sip: URI>');
      if (contact === undefined) return this.cancelled();
      req = { cmd: 'db', db: 'registry', op: 'remove', keys: [{ aor, contact }] };
    }
    const reply = await this.backend.run(req);
    if (reply.ok !== true) this.out(`Not deleted: ${String(reply.error)}`);
    else this.out(Number(reply.removed) ? 'Deleted.' : 'No such entry.');
    return 'stay';
  }

  private async search(): Promise<Next> {
    const text = await this.answers.required(this.db === 'routing' ? 'Destination pattern (or part of it)' : 'Registry user ID (or part of it)');
    if (text === undefined) return this.cancelled();
    await listDb(this.backend, this.db, text, this.out);
    return 'stay';
  }

  private async fileAction(c: 'I' | 'X'): Promise<Next> {
    const file = await this.answers.required(c === 'I' ? 'Import from configuration <file>' : 'Export to configuration <file>');
    if (file === undefined) return this.cancelled();
    if (c === 'I') await importFile(this.backend, file, [this.db], this.out);
    else await exportFile(this.backend, file, [this.db], this.out);
    return 'stay';
  }

  private cancelled(): Next {
    this.out('A value is required; nothing was changed.');
    return 'stay';
  }
}

// ---- main ----

export async function main(argv: readonly string[], input: NodeJS.ReadableStream = process.stdin): Promise<number> {
  const out = (s: string) => process.stdout.write(s + '\n');
  const opts = parseArgs(argv);
  if (opts === 'help') {
    out(USAGE);
    return 0;
  }
  if (typeof opts === 'string') {
    process.stderr.write(`sysadmin_sps_regroute: ${opts}\n${USAGE}\n`);
    return 2;
  }
  const loaded = loadConfigFile(opts.conf);
  if (!loaded.ok) {
    for (const e of loaded.errors) process.stderr.write(formatMessage(e) + '\n');
    process.stderr.write(`sysadmin_sps_regroute: ${opts.conf} has errors; fix them first (it names the database files and sipd's pid file)\n`);
    return 1;
  }
  let backend: Backend;
  try {
    backend = await connect(loaded.config);
    if (opts.debug) backend = new TracingBackend(backend);
  } catch (e) {
    process.stderr.write(`sysadmin_sps_regroute: ${(e as Error).message}\n`);
    return 1;
  }
  try {
    const batch = opts.list || opts.importFile !== undefined || opts.exportFile !== undefined;
    if (!batch) {
      await new Menu(backend, new Answers(input, out), out, opts.dbs).run();
      return 0;
    }
    let ok = true;
    if (opts.importFile !== undefined) ok = await importFile(backend, opts.importFile, opts.dbs, out);
    if (ok && opts.exportFile !== undefined) ok = await exportFile(backend, opts.exportFile, opts.dbs, out);
    if (ok && opts.list) for (const db of opts.dbs) ok = (await listDb(backend, db, undefined, out)) && ok;
    return ok ? 0 : 1;
  } finally {
    await backend.close();
  }
}

// Run when started as a program (bin/sysadmin_sps_regroute imports this module).
if (process.argv[1] && /sysadmin[-_]sps[-_]regroute(\.js)?$/.test(process.argv[1])) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`sysadmin_sps_regroute: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}
