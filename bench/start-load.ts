// How long sipd takes to load a million routes and a million registrations, and whether
// `sip start` waits for it. Figures go into the notes; nothing here is asserted.
// Run: `npm run build && node dist/bench/start-load.js [rows] [--dir DIR] [--keep]`
//
// The store files are written once into DIR (a ServerRoot; a temporary one without
// --dir) and reused when DIR already has them, so two builds (before and after a change)
// can be timed on the same files: run each build's dist/bench/start-load.js with one DIR.
// It prints the in-process load of both stores (with the longest stall of the event loop
// during it), then the wall time and output of `bin/sip start`, and stops sipd again.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfigFile } from '../src/server/config.js';
import { openEmbeddedLocationStore } from '../src/stores/embedded/location-store.js';
import { openEmbeddedRouteStore } from '../src/stores/embedded/route-store.js';
import { locationStoreOptions, routeStoreOptions } from '../src/stores/open.js';
import { BigTables } from './big-tables.js';
import { freePort } from '../test/helpers/ports.js';
import { processesMentioning } from '../test/helpers/serverroot.js';
import { runBin } from '../test/helpers/run.js';

const ROWS = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
const dirAt = process.argv.indexOf('--dir');
const KEEP = process.argv.includes('--keep') || dirAt > 0;
const root = dirAt > 0 ? path.resolve(process.argv[dirAt + 1]) : mkdtempSync(path.join(os.tmpdir(), 'start-load-'));
const conf = path.join(root, 'conf', 'sipd.conf');

const tables = new BigTables(ROWS);

const secs = (t0: bigint) => (Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1);

async function fill(): Promise<void> {
  mkdirSync(path.join(root, 'conf'), { recursive: true });
  mkdirSync(path.join(root, 'logs'), { recursive: true });
  // A week of Max_DB_Age_on_Boot, so files written today are still loaded by a later run.
  const lines = [`Listen 127.0.0.1:${await freePort()}`, 'PidFile logs/sipd.pid', 'User root', 'Group root', 'LogLevel info', 'Cisco_Routing On', 'Cisco_Registry On',
    'Cisco_Routing_Max_DB_Age_on_Boot 604800', 'Cisco_Registry_Max_DB_Age_on_Boot 604800'];
  writeFileSync(conf, lines.join('\n') + '\n');
  const config = loaded();
  const t0 = process.hrtime.bigint();
  await tables.write(config);
  console.log(`${ROWS.toLocaleString('en-US')} routes and registrations written to ${root}/data in ${secs(t0)} s`);
}

function loaded() {
  const r = loadConfigFile(conf);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('; '));
  return r.config;
}

/** Open both stores as sipd does, timing the whole and the longest time the event loop could not turn. */
async function loadInProcess(): Promise<void> {
  const config = loaded();
  let last = performance.now();
  let stall = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last);
    last = now;
  }, 5);
  const t0 = process.hrtime.bigint();
  const reg = await openEmbeddedLocationStore({ ...locationStoreOptions(config, () => undefined), compactEveryMs: 0 });
  const t1 = process.hrtime.bigint();
  const routes = await openEmbeddedRouteStore({ ...routeStoreOptions(config, () => undefined), compactEveryMs: 0 });
  const t2 = process.hrtime.bigint();
  clearInterval(tick);
  const ms = (a: bigint, b: bigint) => (Number(b - a) / 1e6).toFixed(0);
  console.log(`in-process load: registry ${reg.size().toLocaleString('en-US')} bindings ${ms(t0, t1)} ms, routes ${routes.size().toLocaleString('en-US')} ${ms(t1, t2)} ms; longest event-loop stall ${stall.toFixed(0)} ms`);
  await reg.close();
  await routes.close();
}

async function sipStart(): Promise<void> {
  const t0 = process.hrtime.bigint();
  const r = await runBin('sip', ['start', '-f', conf], 1_200_000);
  console.log(`bin/sip start: exit ${r.code} after ${secs(t0)} s`);
  for (const l of (r.stdout + r.stderr).trim().split('\n')) console.log(`  | ${l}`);
  await runBin('sip', ['stop', '-f', conf], 60_000);
  for (const pid of processesMentioning(conf)) process.kill(pid, 'SIGKILL');
}

try {
  if (!existsSync(path.join(root, 'data', 'routing_db.snapshot'))) await fill();
  await loadInProcess();
  await sipStart();
} finally {
  if (!KEEP) rmSync(root, { recursive: true, force: true });
}
