// Subscriber search at 1,000,000 rows, embedded store and MySQL, and the time pserver takes
// to render a Subscribers page of that table. Figures go into the notes; nothing
// here is asserted. Run: `npm run build && node dist/bench/gui-search.js [rows] [--no-mysql] [--no-embedded]`
// (MariaDB from the mariadb-server package for the MySQL half).
//
// Each query is run REPEAT times and the median reported. "first" is the first page of a
// search, "deep" a page reached with a cursor from the middle of the table (keyset paging:
// it should cost what the first page costs).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedSubscriberStore } from '../src/stores/embedded/subscriber-store.js';
import { MySqlPool } from '../src/stores/mysql/pool.js';
import { installSchema } from '../src/stores/mysql/schema.js';
import { MySqlSubscriberStore } from '../src/stores/mysql/subscriber-store.js';
import type { SearchableSubscriberStore, Subscriber, SubscriberQuery } from '../src/stores/subscriber-store.js';
import { emptySubscriber } from '../src/stores/subscriber-store.js';
import { startMariaDb } from '../test/helpers/mariadb.js';
import { startPserver, WebClient } from '../test/helpers/web.js';

const ROWS = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
const MYSQL = !process.argv.includes('--no-mysql');
const EMBEDDED = !process.argv.includes('--no-embedded');
const REPEAT = 15;
const LAST = ['Smith', 'Jones', 'Brown', 'Taylor', 'Wilson', 'Davies', 'Evans', 'Thomas', 'Johnson', 'Roberts'];

const user = (i: number) => `u${String(i).padStart(7, '0')}`;
function subscriber(i: number): Subscriber {
  return { ...emptySubscriber(user(i), 'example.com'), firstName: `F${i % 1000}`, lastName: `${LAST[i % LAST.length]}${i % 97}` };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}
async function med(fn: () => Promise<unknown>): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < REPEAT; i++) xs.push(await time(fn));
  return median(xs);
}

const q = (o: Partial<SubscriberQuery>): SubscriberQuery => ({ filter: { field: 'user', op: 'starts', text: '*' }, sort: 'user', desc: false, limit: 50, ...o });

async function queries(name: string, store: SearchableSubscriberStore): Promise<void> {
  const out: [string, number, number][] = [];
  const row = async (what: string, query: SubscriberQuery) => {
    const first = await time(() => store.search(query));
    const r = await store.search(query);
    out.push([what, first, await med(() => store.search(query))]);
    return r;
  };
  await row('all, by user, first page', q({}));
  // A cursor from the middle of the table: the key of the first of a few users there.
  const mid = await store.search(q({ filter: { field: 'user', op: 'starts', text: user(ROWS / 2).slice(0, 6) }, limit: 1 }));
  await row('all, by user, deep page (cursor mid-table)', q({ ...(mid.next && { after: mid.next }) }));
  await row('all, by last name desc', q({ sort: 'lastName', desc: true }));
  await row('user starts with u05', q({ filter: { field: 'user', op: 'starts', text: 'u05' } }));
  await row('user equals u0500000', q({ filter: { field: 'user', op: 'equals', text: 'u0500000' } }));
  await row('last name equals Smith0, by user', q({ filter: { field: 'lastName', op: 'equals', text: 'Smith0' } }));
  await row('last name contains "avies4" (scan)', q({ filter: { field: 'lastName', op: 'contains', text: 'avies4' } }));
  await row('user contains "99999" (rare, scan)', q({ filter: { field: 'user', op: 'contains', text: '99999' } }));
  console.log(`\n${name}, ${ROWS.toLocaleString('en-US')} subscribers: first call / median of ${REPEAT} (ms)`);
  for (const [w, f, m] of out) console.log(`  ${w.padEnd(46)} ${f.toFixed(1).padStart(9)} ${m.toFixed(2).padStart(9)}`);
}

async function pageRender(name: string, conf: string, dir: string): Promise<void> {
  const ps = await startPserver({ dir, sipdConf: conf });
  try {
    const c = new WebClient(ps.url);
    await c.firstLogin('cspsuser', ps.initialPassword!, 'bench-password-1');
    // The first request opens the store (the embedded one reads its files); the client
    // gives up after 30 s, so ask again until the answer comes, timing the whole wait.
    const first = await time(async () => {
      for (let i = 0; ; i++) {
        try {
          return await c.get('/subscribers');
        } catch (e) {
          if (i === 10) throw e;
        }
      }
    });
    const list = await med(() => c.get('/subscribers'));
    const search = await med(() => c.get('/subscribers?field=lastName&op=equals&q=Smith0&sort=user'));
    const api = await med(() => c.get('/api/subscribers?limit=50', { headers: { accept: 'application/json' } }));
    const page = await c.get('/subscribers');
    const problem = /id="message">([^<]*)/.exec(page.body)?.[1];
    if (page.status !== 200 || problem) console.log(`  pserver answered ${page.status}: ${problem ?? page.body.slice(0, 300)}`);
    console.log(`  pserver page render (${name}): first GET /subscribers ${first.toFixed(0)} ms (opens the store${name === 'embedded' ? ', builds the index' : ''}); then median ${list.toFixed(1)} ms; a search ${search.toFixed(1)} ms; GET /api/subscribers ${api.toFixed(1)} ms; page ${(page.body.length / 1024).toFixed(0)} KiB`);
  } finally {
    await ps.stop();
  }
}

async function embedded(): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'gui-bench-'));
  try {
    mkdirSync(path.join(root, 'conf'));
    const store = await EmbeddedSubscriberStore.open({ dir: path.join(root, 'data'), log: () => undefined });
    const all = Array.from({ length: ROWS }, (_, i) => subscriber(i));
    const imp = await time(() => store.importMany(all));
    console.log(`embedded: importMany of ${ROWS.toLocaleString('en-US')} subscribers (one journal record) ${(imp / 1000).toFixed(1)} s`);
    const build = await time(() => store.search(q({})));
    console.log(`embedded: first search builds the user index: ${build.toFixed(0)} ms; last-name index: ${(await time(() => store.search(q({ sort: 'lastName' })))).toFixed(0)} ms`);
    await queries('embedded', store);
    await store.close();
    const conf = path.join(root, 'conf', 'sipd.conf');
    writeFileSync(conf, `ServerRoot ${root}\n`);
    await pageRender('embedded', conf, root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function mysqlHalf(): Promise<void> {
  const db = await startMariaDb();
  const root = mkdtempSync(path.join(os.tmpdir(), 'gui-bench-'));
  try {
    await db.sql("CREATE USER 'sps'@'%' IDENTIFIED BY 'spspw'; GRANT ALL ON *.* TO 'sps'@'%';");
    const pool = new MySqlPool({ primary: { host: '127.0.0.1', port: db.port }, user: 'root', password: '', timeoutMs: 60_000, log: () => undefined });
    await installSchema(pool, { database: 'sip', table: 'subscriber' });
    const t = await time(async () => {
      for (let i = 0; i < ROWS; i += 5000) {
        const rows: unknown[] = [];
        for (let k = i; k < Math.min(ROWS, i + 5000); k++) {
          const s = subscriber(k);
          rows.push(s.user, s.domain, s.firstName, s.lastName);
        }
        const n = rows.length / 4;
        await pool.query(`INSERT INTO sip.subscriber (user_id, domain, first_name, last_name) VALUES ${Array.from({ length: n }, () => '(?,?,?,?)').join(',')}`, rows);
      }
    });
    console.log(`\nmysql: ${ROWS.toLocaleString('en-US')} rows inserted in ${(t / 1000).toFixed(1)} s (multi-row INSERTs)`);
    const store = new MySqlSubscriberStore({ pool, database: 'sip', table: 'subscriber', log: () => undefined });
    await queries('mysql (MariaDB)', store);
    await store.close();
    mkdirSync(path.join(root, 'conf'));
    const conf = path.join(root, 'conf', 'sipd.conf');
    writeFileSync(conf, ['DB_MySQL On', `DB_MySQL_HostName ${db.address}`, 'DB_MySQL_Username sps', 'DB_MySQL_Password spspw', `ServerRoot ${root}`, ''].join('\n'));
    await pageRender('mysql', conf, root);
  } finally {
    await db.remove();
    rmSync(root, { recursive: true, force: true });
  }
}

if (EMBEDDED) await embedded();
if (MYSQL) await mysqlHalf();
