// sip start of a sipd with a large route database and registry: loading them takes longer
// than the starter's idle deadline (lowered here with OPENSPS_START_IDLE_MS), and sip start
// waits anyway, because sipd reports how far its load got and each report restarts the
// deadline. The progress lines reach the administrator as they come, before the status line.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfigFile } from '../../src/server/config.js';
import { encodeRecord } from '../../src/stores/embedded/journal-format.js';
import { openEmbeddedRouteStore } from '../../src/stores/embedded/route-store.js';
import { locationStoreOptions, routeStoreOptions } from '../../src/stores/open.js';
import type { Route } from '../../src/stores/route-store.js';
import { processExists, readPid } from '../../src/common/pidfile.js';
import { BIN, forceStopSipd, freePort, makeServerRoot, start } from '../helpers/index.js';
import type { ServerRoot } from '../helpers/index.js';

// 250,000 routes and as many registrations take some 4-9 s to load on the CI machines
// (the registry is rewritten at start too), well past the 3 s idle deadline below, which
// still leaves a busy machine time to start Node and sipd before sipd's first report.
const ROWS = 250_000;
const IDLE_MS = 3000;

const route = (i: number): Route => ({
  pattern: `+1${String(i).padStart(9, '0')}`, type: 'phone', nextHop: `gw${i % 16}.example.net`, port: 5060, transport: 'UDP',
  priority: 1, weight: 1, techPrefix: '', techPrefixAction: 'include', allowLessSpecific: true, block: false, inService: true, label: '',
});

let sr: ServerRoot;
before(async () => {
  sr = makeServerRoot(await freePort(), ['Cisco_Routing On']);
  const loaded = loadConfigFile(sr.conf);
  assert.ok(loaded.ok);
  const routes = await openEmbeddedRouteStore({ ...routeStoreOptions(loaded.config, () => undefined), compactEveryMs: 0 });
  await routes.replaceAll(Array.from({ length: ROWS }, (_, i) => route(i)));
  await routes.close();
  // The registry as a previous sipd left it: a snapshot of one binding per AOR (written
  // directly; a million REGISTERs through the store would take minutes).
  const registry = locationStoreOptions(loaded.config, () => undefined);
  const now = Date.now();
  const lines = [encodeRecord({ o: 'snapshot', v: 1, at: now })];
  for (let i = 0; i < ROWS; i++) {
    lines.push(encodeRecord({ o: 'put', a: `u${i}@example.com`, b: [{ contact: `sip:u${i}@10.0.${(i >> 8) & 255}.${i & 255}:5060`, q: 1, expiresAt: now + 3_600_000, callId: `c${i}`, cseq: 1, updatedAt: now }] }));
  }
  writeFileSync(path.join(registry.dir, `${registry.name}.snapshot`), lines.join(''));
});
after(async () => {
  await forceStopSipd(sr);
  sr.remove();
});

test('sip start waits for a route load longer than its idle deadline while sipd reports progress, and shows it', async () => {
  const env = { ...process.env, OPENSPS_START_IDLE_MS: String(IDLE_MS) };
  const r = await start(process.execPath, [path.join(BIN, 'sip'), 'start', '-f', sr.conf], 120_000, { env }).done;
  const show = `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
  assert.equal(r.code, 0, show);
  const lines = r.stdout.split('\n');
  const status = lines.findIndex((l) => /^Starting sipd:\s+\[ OK \]$/.test(l));
  const progress = lines.flatMap((l, i) => (/^sipd: (loading routes|loading registrations|writing the registry snapshot): \d{1,3}(,\d{3})*$/.test(l) ? [i] : []));
  // More than once (sipd reports every quarter of the idle deadline), and all before the status line.
  assert.ok(progress.length >= 2 && status > progress[progress.length - 1], show);
  const pid = readPid(sr.pidFile);
  assert.ok(pid && processExists(pid), show);
  assert.ok(lines.some((l) => l.startsWith('sipd: loading routes: ')) && lines.some((l) => l.startsWith('sipd: loading registrations: ')), show);
  assert.match(sr.readErrorLog(), new RegExp(`route snapshot .*: ${ROWS} routes loaded`));
  assert.match(sr.readErrorLog(), new RegExp(`registry snapshot .*: ${ROWS + 1} records loaded`)); // and the header
});
