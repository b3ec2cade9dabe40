// Subscriber search at 1,000,000 rows, embedded store and MySQL, and the time pserver takes
// to render a Subscribers page of that table; then routes and registrations of that size in
// a running sipd, searched through pserver's API (sipd's control socket, answered from the
// sorted views sipd builds in the background). Figures go into the issue's notes; nothing
// here is asserted.
// Run: `npm run build && node dist/bench/gui-search.js [rows] [--no-mysql] [--no-embedded] [--no-sipd]`
// (MariaDB from the mariadb-server package for the MySQL half).
//
// Each query is run REPEAT times and the median reported. "first" is the first page of a
// search, "deep" a page reached with a cursor from the middle of the table (keyset paging:
// it should cost what the first page costs).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfigFile } from '../src/server/config.js';
import { controlRequest } from '../src/server/control.js';
import { runtimePaths } from '../src/server/sipd.js';
import { EmbeddedSubscriberStore } from '../src/stores/embedded/subscriber-store.js';
import { MySqlPool } from '../src/stores/mysql/pool.js';
import { installSchema } from '../src/stores/mysql/schema.js';
import { MySqlSubscriberStore } from '../src/stores/mysql/subscriber-store.js';
import type { SearchableSubscriberStore, Subscriber, SubscriberQuery } from '../src/stores/subscriber-store.js';
import { emptySubscriber } from '../src/stores/subscriber-store.js';
import { BigTables, userName } from './big-tables.js';
import { startMariaDb } from '../test/helpers/mariadb.js';
import { freePort } from '../test/helpers/ports.js';
import { showRun, startBin, waitFor } from '../test/helpers/run.js';
import { forceStopSipd, makeServerRoot } from '../test/helpers/serverroot.js';
import { startPserver, WebClient } from '../test/helpers/web.js';

const ROWS = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
const MYSQL = !process.argv.includes('--no-mysql');
const EMBEDDED = !process.argv.includes('--no-embedded');
const SIPD = !process.argv.includes('--no-sipd');
const REPEAT = 15;
const LAST = ['Smith', 'Jones', 'Brown', 'Taylor', 'Wilson', 'Davies', 'Evans', 'Thomas', 'Johnson', 'Roberts'];

const user = userName;
const tables = new BigTables(ROWS);
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

async function sipdHalf(): Promise<void> {
  const port = await freePort();
  const sr = makeServerRoot(port, ['Cisco_Routing On', 'Cisco_Registry On', 'AuthRealm example.com']);
  let sipd: ReturnType<typeof startBin> | undefined;
  try {
    // Write the route and registry files before start: what sipd loads is what it would have
    // after a sysadmin_sps_regroute import or a million REGISTERs.
    const loaded = loadConfigFile(sr.conf);
    if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('; '));
    const fill = await time(() => tables.write(loaded.config));
    console.log(`\nsipd: ${ROWS.toLocaleString('en-US')} routes and ${ROWS.toLocaleString('en-US')} registrations written to the store files in ${(fill / 1000).toFixed(1)} s`);
    // `sip start` gives sipd 10 s to report ready; loading two million rows takes longer, so
    // run it in the foreground and time until pserver's first route search answers.
    const t0 = process.hrtime.bigint();
    sipd = startBin('sipd', ['-X', '-f', sr.conf], 1_800_000);
    const socket = runtimePaths(loaded.config).controlSocket;
    let exited: string | undefined;
    void sipd.done.then((r) => (exited = showRun(r)));
    await waitFor('sipd to load its tables and answer on its control socket', async () => {
      if (exited) throw new Error(`sipd stopped during start: ${exited}`);
      try {
        return (await controlRequest(socket, { cmd: 'db', db: 'routing', op: 'info' } as never, 10_000)).ok === true;
      } catch {
        return false;
      }
    }, 600_000, 500);
    console.log(`sipd: start until its control socket answers (loads both tables) ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s`);
    const ps = await startPserver({ sipdConf: sr.conf });
    try {
      const c = new WebClient(ps.url);
      await c.firstLogin('cspsuser', ps.initialPassword!, 'bench-password-1');
      const api = (p: string) => c.get(p, { headers: { accept: 'application/json' } });
      // sipd builds a sorted view in the background the first time a column is searched and
      // answers by one pass over the table meanwhile; wait for the views these queries use,
      // asking its control socket (the reply says whether a view answered), then time them.
      const views: [string, Record<string, unknown>][] = [
        ['routes by pattern', { db: 'routing', field: 'pattern', sort: 'pattern' }],
        ['routes by priority', { db: 'routing', field: 'pattern', sort: 'priority' }],
        ['registry by aor', { db: 'registry', field: 'aor', sort: 'aor' }],
      ];
      for (const [what, v] of views) {
        const t1 = process.hrtime.bigint();
        await waitFor(`sipd's view of ${what}`, async () => (await controlRequest(socket, { cmd: 'db', op: 'search', match: 'starts', text: '*', limit: 1, ...v } as never, 60_000)).indexed === true, 600_000, 200);
        console.log(`sipd: view of ${what} ready ${(Number(process.hrtime.bigint() - t1) / 1e9).toFixed(1)} s after asked (answers by one pass until then)`);
      }
      const out: [string, number, number, number][] = [];
      const row = async (what: string, p: string) => {
        const first = await time(() => api(p));
        const r = await api(p);
        if (r.status !== 200) throw new Error(`${p}: ${r.status} ${r.body.slice(0, 300)}`);
        out.push([what, first, await med(() => api(p)), r.json<{ rows: unknown[] }>().rows.length]);
        return r.json<{ next?: string }>();
      };
      const deep = (p: string, key: string) => row(`${p.slice(5, 13)} deep page (cursor mid-table)`, `${p}&after=${key}`);
      await row('routes, first page by pattern', '/api/routes?q=*&sort=pattern&limit=50');
      const half = await api(`/api/routes?field=pattern&op=starts&q=%2B1${String(ROWS / 2).padStart(9, '0').slice(0, 6)}&sort=pattern&limit=1`);
      const midKey = half.json<{ next?: string }>().next;
      if (midKey) await deep('/api/routes?q=*&sort=pattern&limit=50', midKey);
      await row('routes, by priority desc', '/api/routes?q=*&sort=priority&dir=desc&limit=50');
      await row('routes, pattern equals', `/api/routes?field=pattern&op=equals&q=${encodeURIComponent(tables.route(ROWS / 2).pattern)}&limit=50`);
      await row('routes, pattern starts with +10005', `/api/routes?field=pattern&op=starts&q=${encodeURIComponent('+10005')}&sort=pattern&limit=50`);
      await row('routes, label contains "rier 7" (many)', '/api/routes?field=label&op=contains&q=rier%207&limit=50');
      await row('routes, next hop contains "gw63.carrier9" (none, scan)', '/api/routes?field=nextHop&op=contains&q=gw63.carrier9&limit=50');
      await row('registry, first page by aor', '/api/registry?q=*&sort=aor&limit=50');
      const rhalf = await api(`/api/registry?field=aor&op=starts&q=${user(ROWS / 2).slice(0, 6)}&sort=aor&limit=1`);
      const rKey = rhalf.json<{ next?: string }>().next;
      if (rKey) await deep('/api/registry?q=*&sort=aor&limit=50', rKey);
      await row('registry, aor equals', `/api/registry?field=aor&op=equals&q=${encodeURIComponent(`${user(ROWS / 2)}@example.com`)}&limit=50`);
      await row('registry, aor starts with u05', '/api/registry?field=aor&op=starts&q=u05&sort=aor&limit=50');
      await row('registry, contact contains "10.7.161" (rare, scan)', '/api/registry?field=contact&op=contains&q=10.7.161.&limit=50');
      console.log(`\nsipd via pserver's API, ${ROWS.toLocaleString('en-US')} rows each: first call / median of ${REPEAT} (ms) / rows`);
      for (const [w, f, m, n] of out) console.log(`  ${w.padEnd(56)} ${f.toFixed(1).padStart(9)} ${m.toFixed(2).padStart(9)} ${String(n).padStart(4)}`);
    } finally {
      await ps.stop();
    }
  } finally {
    if (sipd) await forceStopSipd(sr);
    sr.remove();
  }
}

if (EMBEDDED) await embedded();
if (MYSQL) await mysqlHalf();
if (SIPD) await sipdHalf();
