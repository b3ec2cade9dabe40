// The RADIUS client (the radius module's SharedServices.radius) against Debian's
// FreeRADIUS: PAP accepted and rejected, an accounting Start with Cisco VSAs in the
// detail file, failover to the secondary when the primary is stopped, and what the module
// shows an operator: counters in sipd's snapshot and DebugFlag Radius lines in error_log.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ErrorLog } from '../../src/logging/error-log.js';
import { DEBUG_FLAGS } from '../../src/logging/directives.js';
import type { DebugFlags } from '../../src/logging/directives.js';
import type { ModuleDeps, ModuleParts } from '../../src/modules/module.js';
import { needService } from '../../src/modules/module.js';
import { radiusModule } from '../../src/modules/radius/index.js';
import type { RadiusService } from '../../src/modules/radius/service.js';
import { parseConfig } from '../../src/server/config.js';
import { SipCounters } from '../../src/server/counters.js';
import { startFreeRadius } from '../helpers/freeradius.js';
import type { FreeRadius } from '../helpers/freeradius.js';

const USERS = `alice Cleartext-Password := "wonderland"
\tReply-Message := "hello alice"
`;

describe('RADIUS client against FreeRADIUS', { timeout: 120_000 }, () => {
  let primary: FreeRadius;
  let secondary: FreeRadius;
  let root: string;
  let log: ErrorLog;
  let counters: SipCounters;
  let parts: ModuleParts;
  let radius: RadiusService;

  before(async () => {
    [primary, secondary] = await Promise.all([startFreeRadius({ users: USERS }), startFreeRadius({ users: USERS })]);
    root = mkdtempSync(path.join(os.tmpdir(), 'radius-client-'));
    const flags = Object.fromEntries(DEBUG_FLAGS.map((f) => [f, f === 'Radius'])) as DebugFlags;
    log = await ErrorLog.open({ target: { kind: 'file', path: 'error_log' }, level: 'info', debugFlags: flags, serverRoot: root });
    const r = parseConfig('RadiusRetransmissionInterval 300\nRadiusRetransmissionCount 1\nRadiusRetryTime 300\n', 'sipd.conf');
    assert.ok(r.ok);
    counters = new SipCounters();
    const deps = { log, counts: counters, services: {} } as unknown as ModuleDeps;
    parts = await radiusModule.open(r.config, deps);
    radius = needService({ ...deps, services: parts.provides ?? {} }, 'radius', 'test');
  });
  after(async () => {
    await parts?.close();
    await log?.close();
    await Promise.all([primary?.remove(), secondary?.remove()]);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('PAP: the right password is accepted, a wrong one rejected', async () => {
    const ok = await radius.access([primary.auth], [['User-Name', 'alice'], ['User-Password', 'wonderland']], 'auth');
    assert.equal(ok?.code, 'Access-Accept', primary.log().slice(-3000));
    assert.equal(ok?.attributes['Reply-Message'], 'hello alice');
    const no = await radius.access([primary.auth], [['User-Name', 'alice'], ['User-Password', 'looking-glass']], 'auth');
    assert.equal(no?.code, 'Access-Reject');
  });

  test('an accounting Start lands in the detail file with its Cisco-AVPair and h323 VSAs', async () => {
    const ok = await radius.accounting(
      [primary.acct],
      [
        ['User-Name', 'alice'],
        ['Acct-Status-Type', 'Start'],
        ['Acct-Session-Id', 'c1@198.51.100.7'],
        ['Vendor-Specific', 9, [['Cisco-AVPair', 'call-id=c1@198.51.100.7'], ['h323-call-origin', 'originate'], ['h323-setup-time', '18:52:39.000 UTC Mon Dec 7 2026']]],
      ],
      4,
    );
    assert.equal(ok, true, primary.log().slice(-3000));
    const [rec] = await primary.waitForRecords(1, (r) => r.value('Acct-Session-Id') === 'c1@198.51.100.7');
    assert.equal(rec!.value('User-Name'), 'alice');
    assert.equal(rec!.value('Acct-Status-Type'), 'Start');
    assert.equal(rec!.value('Cisco-AVPair'), 'call-id=c1@198.51.100.7');
    assert.equal(rec!.value('h323-call-origin'), 'originate');
    assert.equal(rec!.value('h323-setup-time'), '18:52:39.000 UTC Mon Dec 7 2026');
    assert.equal(rec!.value('Acct-Delay-Time'), '4');
  });

  test('primary stopped: the secondary answers access and accounting', async () => {
    await primary.stop();
    const list = [primary.auth, secondary.auth];
    const ok = await radius.access(list, [['User-Name', 'alice'], ['User-Password', 'wonderland']], 'auth');
    assert.equal(ok?.code, 'Access-Accept');
    assert.equal(ok?.server.port, secondary.authPort);
    const acct = await radius.accounting([primary.acct, secondary.acct], [['User-Name', 'alice'], ['Acct-Status-Type', 'Stop'], ['Acct-Session-Id', 'c2@198.51.100.7'], ['Acct-Session-Time', 12]], 0);
    assert.equal(acct, true);
    const [rec] = await secondary.waitForRecords(1, (r) => r.value('Acct-Session-Id') === 'c2@198.51.100.7');
    assert.equal(rec!.value('Acct-Session-Time'), '12');
    assert.equal(primary.records().filter((r) => r.value('Acct-Session-Id') === 'c2@198.51.100.7').length, 0);
  });

  test('counters in the snapshot, and DebugFlag Radius lines with the password hidden', async () => {
    const snap = counters.snapshot();
    const p = `radius.127.0.0.1:${primary.authPort}`;
    const s = `radius.127.0.0.1:${secondary.authPort}`;
    assert.equal(snap[`${p}.answered`], 2);
    assert.equal(snap[`${p}.failedOver`], 1);
    assert.equal(snap[`${p}.retransmitted`], 1);
    assert.equal(snap[`${s}.answered`], 1);
    assert.equal(snap[`radius.127.0.0.1:${secondary.acctPort}.answered`], 1);
    assert.equal(snap['radius.unknownSource'], 0);
    const text = readFileSync(path.join(root, 'error_log'), 'utf8');
    assert.match(text, /Radius: auth send Access-Request id \d+ to 127\.0\.0\.1:\d+ \(transmission 1 of 2\): User-Name="alice" User-Password=<hidden>/);
    assert.match(text, /Radius: received Access-Accept id \d+ from 127\.0\.0\.1:\d+: Reply-Message="hello alice"/);
    assert.match(text, /Radius: acct send Accounting-Request .*Cisco-AVPair="call-id=c1@198\.51\.100\.7"/);
    assert.doesNotMatch(text, /wonderland|looking-glass/);
  });
});
