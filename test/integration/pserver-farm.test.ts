// Farm/Proxies, Proxy Control, Persistent TCP and the Dashboard over pserver's JSON API and
// pages, against a real sipd started with the sip script and a real bin/pserver.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { controlRequest } from '../../src/server/control.js';
import { readPid } from '../../src/common/pidfile.js';
import { forceStopSipd, freePort, makeServerRoot, runBin, waitFor } from '../helpers/index.js';
import type { ServerRoot } from '../helpers/index.js';
import { startPserver, WebClient } from '../helpers/web.js';
import type { TestPserver } from '../helpers/web.js';

const PW = 'farm-admin-password-1';
type Member = { name: string; running: boolean | null; pid?: number; required?: { operation: string; graceful: string[]; restart: string[] } };


describe('pserver farm pages and API', () => {
  let sr: ServerRoot;
  let ps: TestPserver;
  let admin: WebClient;
  const ctl = () => sr.pidFile.replace(/\.pid$/, '.ctl');
  const local = async () => (await admin.get('/api/farm', { headers: { accept: 'application/json' } })).json<{ members: Member[] }>().members[0];

  before(async () => {
    sr = makeServerRoot(await freePort(), ['MaxForks 5']);
    const r = await runBin('sip', ['start', '-f', sr.conf]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    ps = await startPserver({ sipdConf: sr.conf });
    admin = new WebClient(ps.url);
    await admin.firstLogin('cspsuser', ps.initialPassword!, PW);
  });
  after(async () => {
    await ps?.stop();
    if (sr) {
      await forceStopSipd(sr);
      sr.remove();
    }
  });

  test('the farm lists this host running with nothing to do, and the tabs of Table 2-1', async () => {
    const r = await admin.get('/api/farm', { headers: { accept: 'application/json' } });
    assert.equal(r.status, 200, r.body);
    const j = r.json<{ members: Member[]; tabs: { name: string; slug: string }[] }>();
    assert.equal(j.members[0].running, true);
    assert.equal(j.members[0].pid, readPid(sr.pidFile));
    assert.equal(j.members[0].required?.operation, 'none');
    assert.ok(j.tabs.some((t) => t.name === 'SIP Server Core' && t.slug === 'sip-server-core'));
    const tab = (await admin.get('/api/farm/tabs/sip-server-core', { headers: { accept: 'application/json' } })).json<{ fields: { name: string; valid: string; doc: string }[] }>();
    const t1 = tab.fields.find((f) => f.name === 'SipT1InMs')!;
    assert.equal(t1.valid, '50 to 10000');
    assert.equal((await admin.get('/api/farm/tabs/nosuch', { headers: { accept: 'application/json' } })).status, 404);
  });

  test('a bad value is refused with the message of sipd -t, per field, and the file is untouched', async () => {
    const before = readFileSync(sr.conf, 'utf8');
    const r = await admin.putJson('/api/farm/tabs/sip-server-core', { values: { SipT1InMs: '10' } });
    assert.equal(r.status, 400, r.body);
    const e = r.json<{ errors: { field: string; text: string }[] }>().errors;
    assert.equal(e[0].field, 'SipT1InMs');
    assert.match(e[0].text, new RegExp(`^${sr.conf}:\\d+:\\d+: SipT1InMs: 10 is out of range; valid: 50 to 10000$`));
    assert.equal(readFileSync(sr.conf, 'utf8'), before);
    const wrongTab = await admin.putJson('/api/farm/tabs/sip-server-core', { values: { ErrorLog: 'x' } });
    assert.equal(wrongTab.status, 400);
  });

  test('a graceful directive marks graceful; Graceful Restart applies it with the same pid and clears the mark', async () => {
    const pid = readPid(sr.pidFile);
    const r = await admin.putJson('/api/farm/tabs/sip-server-core', { values: { MaxForks: '3' } });
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(r.json<{ changed: string[] }>().changed, ['MaxForks']);
    assert.match(readFileSync(sr.conf, 'utf8'), /^# sipd.conf written by the integration tests$/m, 'comments kept');
    const m = await local();
    assert.equal(m.required?.operation, 'graceful');
    assert.deepEqual(m.required?.graceful, ['MaxForks']);
    const g = await admin.postJson('/api/control/graceful', {});
    assert.equal(g.status, 200, g.body);
    assert.equal(readPid(sr.pidFile), pid);
    assert.equal((await local()).required?.operation, 'none');
    assert.match(String((await controlRequest(ctl(), { cmd: 'config' })).text), /^MaxForks 3$/m);
  });

  test('a restart directive marks restart, still after a graceful restart, and Restart clears it', async () => {
    const r = await admin.putJson('/api/farm/tabs/sip-server-core', { values: { StatefulServer: 'Off' } });
    assert.equal(r.status, 200, r.body);
    assert.equal((await local()).required?.operation, 'restart');
    assert.equal((await admin.postJson('/api/control/graceful', {})).status, 200);
    const m = await local();
    assert.equal(m.required?.operation, 'restart', 'a graceful restart keeps the running value');
    assert.deepEqual(m.required?.restart, ['StatefulServer']);
    const pid = readPid(sr.pidFile);
    const rr = await admin.postJson('/api/control/restart', {});
    assert.equal(rr.status, 200, rr.body);
    assert.match(rr.json<{ output: string }>().output, /Starting sipd/);
    assert.notEqual(readPid(sr.pidFile), pid);
    assert.equal((await local()).required?.operation, 'none');
  });

  test('persistent TCP: a bad entry is refused, a good one is added and kept by sipd after a graceful restart, then deleted', async () => {
    const port = await freePort();
    const peer = net.createServer((s) => s.on('error', () => undefined));
    await new Promise<void>((r) => peer.listen(port, '127.0.0.1', r));
    try {
      assert.equal((await admin.postJson('/api/tcp', { peer: 'not a host' })).status, 400);
      assert.equal((await admin.postJson('/api/tcp', { peer: '127.0.0.1:70000' })).status, 400);
      const add = await admin.postJson('/api/tcp', { peer: `127.0.0.1:${port}` });
      assert.equal(add.status, 201, add.body);
      const line = add.json<{ peers: { line: number; port: number }[] }>().peers.find((p) => p.port === port)!.line;
      assert.equal((await admin.postJson('/api/control/graceful', {})).status, 200);
      const live = await waitFor('sipd to connect to the new persistent peer', async () => {
        const j = (await admin.get('/api/tcp', { headers: { accept: 'application/json' } })).json<{ live: { persistent: { peer: string; up: boolean }[] } }>();
        return j.live.persistent.find((p) => p.peer === `127.0.0.1:${port}` && p.up);
      });
      assert.ok(live);
      const page = await admin.get('/tcp');
      assert.match(page.body, new RegExp(`127\\.0\\.0\\.1:${port}`));
      assert.equal((await admin.delete(`/api/tcp/${line}?host=127.0.0.1&port=${port + 1}`)).status, 409, 'the line must still hold that peer');
      const del = await admin.delete(`/api/tcp/${line}?host=127.0.0.1&port=${port}`);
      assert.equal(del.status, 200, del.body);
      assert.deepEqual(del.json<{ peers: unknown[] }>().peers, []);
    } finally {
      peer.close();
    }
  });

  test('dashboard: samples and recent errors as JSON; pages render', async () => {
    const d = (await admin.get('/api/dashboard', { headers: { accept: 'application/json' } })).json<{ t: number[]; registrations: (number | null)[] }>();
    assert.ok(d.t.length >= 1);
    const errors = (await admin.get('/api/dashboard/errors', { headers: { accept: 'application/json' } })).json<{ file: string; lines: string[] }>();
    assert.equal(errors.file, sr.errorLog);
    for (const p of ['/farm/sip-server-core', '/control', '/tcp', '/dashboard']) {
      const r = await admin.get(p);
      assert.equal(r.status, 200, `${p}: ${r.body.slice(0, 300)}`);
    }
    assert.match((await admin.get('/farm/sip-server-core')).body, /SipT1InMs[\s\S]*50 to 10000/);
    const api = (await admin.get('/api/openapi.json', { headers: { accept: 'application/json' } })).json<{ paths: Record<string, unknown> }>();
    for (const p of ['/api/farm', '/api/farm/tabs/{tab}', '/api/control/{op}', '/api/tcp', '/api/tcp/{line}', '/api/dashboard']) assert.ok(api.paths[p], `${p} in the OpenAPI document`);
  });

  test('a read-only user sees Proxy Control but cannot change anything', async () => {
    assert.equal((await admin.postJson('/api/accounts', { name: 'viewer', role: 'read-only', password: 'viewer-initial-1' })).status, 201);
    const viewer = new WebClient(ps.url);
    await viewer.firstLogin('viewer', 'viewer-initial-1', 'viewer-password-1');
    assert.equal((await viewer.get('/api/control', { headers: { accept: 'application/json' } })).status, 200);
    assert.equal((await viewer.postJson('/api/control/stop', {})).status, 403);
    assert.equal((await viewer.putJson('/api/farm/tabs/sip-server-core', { values: { MaxForks: '2' } })).status, 403);
    assert.equal((await viewer.postJson('/api/tcp', { peer: '127.0.0.1:5099' })).status, 403);
    const page = await viewer.get('/control');
    assert.doesNotMatch(page.body, /action="\/control\/stop"/);
    assert.equal((await runBin('sip', ['status', '-f', sr.conf])).code, 0, 'sipd still runs');
  });
});
