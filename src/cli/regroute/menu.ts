// sysadmin_sps_regroute's menu (guide Appendix C): select a database, query, add to or
// delete from it, import and export, reading one answer per line from standard input.
import readline from 'node:readline';
import { ROUTE_DEFAULTS, csvLine } from '../../modules/routing/csv.js';
import type { CsvError } from '../../modules/routing/csv.js';
import type { DbName, DbRequest } from '../../server/db-control.js';
import type { Backend } from './backends.js';
import { importFile } from './csv-import.js';
import { exportFile, listDb } from './csv-export.js';

/** Reads answers one line at a time; undefined at end of input. */
export class Answers {
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

  /**
   * One screen of a submenu: the header, its items, the M/P/Q line, then one answer.
   * M, P, Q and the end of input come back as where to go; any other answer as typed,
   * in upper case.
   */
  private async submenu(title: string, items: readonly string[]): Promise<{ go: Next } | { choice: string }> {
    this.header(title);
    for (const item of items) this.out(`  ${item}`);
    this.out('  M  main menu   P  previous menu   Q  quit');
    const c = (await this.answers.ask('Choice: '))?.toUpperCase();
    if (c === undefined) return { go: 'quit' };
    const n = nav(c);
    return n ? { go: n } : { choice: c };
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
      const r = await this.submenu('select database', ['Y  registry database', 'Z  routing database', 'D  display the database information']);
      if ('go' in r) return r.go;
      const c = r.choice;
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
      const r = await this.submenu('query, add or delete', [
        'A  add an entry to the database',
        'D  delete an entry from the database',
        'S  search the database',
        'L  list everything in the database',
      ]);
      if ('go' in r) return r.go;
      const c = r.choice;
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
      const r = await this.submenu(`${what} (${this.db})`, [`E  enter ${subject}`]);
      if ('go' in r) return r.go;
      if (r.choice !== 'E') {
        this.out(`"${r.choice}" is not a choice here; type E, M, P or Q`);
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
