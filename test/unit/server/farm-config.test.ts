// Farm-wide configuration without a database: the farm-wide rule, reading directive lines,
// merging a generation into sipd.conf, the follower's outcomes (over an in-memory table),
// matching the members' answers to the farm lists, and `sip farm` arguments.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { parseFarmArgs } from '../../../src/cli/sip-farm.js';
import { parseConfig } from '../../../src/server/config.js';
import { FarmConfigFollower, checkFarmValues, confErrors, farmWideNames, mergeFarmValues, notFarmWide, parseDirectiveLines } from '../../../src/server/farm-config.js';
import type { GracefulOutcome } from '../../../src/server/farm-config.js';
import { expectedMembers, matchOutcomes, memberLine, resultOk } from '../../../src/server/farm-push.js';
import type { FarmGeneration, FarmOutcome, FarmValues } from '../../../src/stores/mysql/farm-config-store.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function scratchConf(text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'farm-config-'));
  dirs.push(dir);
  mkdirSync(path.join(dir, 'conf'));
  const file = path.join(dir, 'conf', 'sipd.conf');
  writeFileSync(file, text);
  return file;
}

const BASE = ['# member sps1', 'Listen 127.0.0.1:5060', 'ServerName sps1.farm.test', '# timers', 'SipT1InMs 500', 'Cisco_Registry_Farm_Members sps2.farm.test', ''].join('\n');

describe('the farm-wide rule', () => {
  test('addresses, names, paths, log levels, member lists and the database connection are host-specific; the service is farm-wide', () => {
    for (const n of ['Listen', 'Port', 'ServerName', 'ErrorLog', 'PidFile', 'SipTlsCertificateFile', 'Cisco_Registry_Rendezvous_Directory', 'Cisco_Registry_Farm_Members', 'Cisco_Routing_Farm_Members', 'DB_MySQL', 'DB_MySQL_HostName', 'DB_MySQL_Password', 'Sip_Token_Port', 'LogLevel', 'DebugFlag']) {
      assert.match(notFarmWide(n) ?? '', /host-specific/, n);
    }
    for (const n of ['SipT1InMs', 'AuthRealm', 'Authentication', 'DB_MySQL_UserId_Field', 'DB_MySQL_SubscriberTable', 'Cisco_Routing_Use_Domain_Routing', 'Allow']) assert.equal(notFarmWide(n), undefined, n);
    assert.equal(notFarmWide('sipt1inms'), undefined, 'names are case-insensitive');
    assert.match(notFarmWide('NoSuchThing') ?? '', /not a sipd.conf directive/);
    assert.match(notFarmWide('VirtualProxyHost') ?? '', /is a block/);
    const all = farmWideNames();
    assert.ok(all.includes('SipT1InMs') && !all.includes('Listen') && !all.includes('DB_MySQL_HostName'));
  });

  test('checkFarmValues spells names as the schema does and refuses host-specific names and extra lines', () => {
    const ok = checkFarmValues({ sipt1inms: ['700'], Allow: ['from 10.0.0.0/8', 'from 192.168.0.0/16'] });
    assert.deepEqual(ok, { ok: true, values: { SipT1InMs: ['700'], Allow: ['from 10.0.0.0/8', 'from 192.168.0.0/16'] } });
    const bad = checkFarmValues({ Listen: ['0.0.0.0:5060'], SipT1InMs: ['1', '2'] });
    assert.equal(bad.ok, false);
    if (!bad.ok) {
      assert.equal(bad.errors.length, 2);
      assert.match(bad.errors[0], /Listen is host-specific/);
      assert.match(bad.errors[1], /SipT1InMs takes one line, not 2/);
    }
  });

  test('directive lines: comments, continuations, a name alone switches off, blocks are refused with file:line', () => {
    const r = parseDirectiveLines('# farm\nSipT1InMs 700\nAllow from 10.0.0.0/8 \\\n  192.168.0.0/16\nAccounting\n', 'push.conf');
    assert.deepEqual(r, { ok: true, values: { SipT1InMs: ['700'], Allow: ['from 10.0.0.0/8 192.168.0.0/16'], Accounting: [] } });
    const b = parseDirectiveLines('SipT1InMs 700\n<VirtualProxyHost 10.1.1.1>\n', 'push.conf');
    assert.equal(b.ok, false);
    if (!b.ok) assert.match(b.errors[0], /^push\.conf:2: blocks/);
  });
});

describe('merging a generation into sipd.conf', () => {
  test('values replace their lines in place; comments and host-specific lines stay; the result loads', () => {
    const file = '/x/conf/sipd.conf';
    const m = mergeFarmValues(BASE, file, { SipT1InMs: ['700'], AuthRealm: ['farm'] });
    const lines = m.text.split('\n');
    assert.equal(lines[4], 'SipT1InMs 700', 'in place');
    assert.ok(lines.includes('# member sps1') && lines.includes('# timers') && lines.includes('Listen 127.0.0.1:5060') && lines.includes('ServerName sps1.farm.test'));
    assert.ok(lines.includes('AuthRealm farm'), 'a directive not in the file is added');
    assert.equal(m.notes.length, 2);
    const r = parseConfig(m.text, file);
    assert.ok(r.ok);
    if (r.ok) assert.equal(r.config.values.SipT1InMs, 700);
    assert.equal(mergeFarmValues(m.text, file, { SipT1InMs: ['700'] }).text, m.text, 'the same values again change nothing');
  });

  test('an invalid value is reported as sipd -t reports it: file:line:col', () => {
    const file = '/x/conf/sipd.conf';
    const errors = confErrors(mergeFarmValues(BASE, file, { SipT1InMs: ['fast'] }).text, file);
    assert.equal(errors.length, 1);
    assert.match(errors[0], /^\/x\/conf\/sipd\.conf:5:\d+: .*SipT1InMs|^\/x\/conf\/sipd\.conf:5:\d+: /);
  });
});

/** An in-memory farm_config table: generations pushed by the test, outcomes recorded by the follower. */
class MemoryTable {
  gens: FarmGeneration[] = [];
  outcomes: FarmOutcome[] = [];
  failRecords = 0;
  push(directives: FarmValues, allowRestart = false): void {
    this.gens.push({ gen: this.gens.length + 1, directives, pushed: directives, allowRestart, pushedBy: 'test', pushedAt: 0 });
  }
  async generation(): Promise<FarmGeneration | undefined> {
    return this.gens.at(-1);
  }
  async lastHandled(member: string): Promise<number> {
    return Math.max(0, ...this.outcomes.filter((o) => o.member === member).map((o) => o.gen));
  }
  async record(o: Omit<FarmOutcome, 'at'>): Promise<void> {
    if (this.failRecords > 0) {
      this.failRecords--;
      throw new Error('database away');
    }
    this.outcomes.push({ ...o, at: 0 });
  }
}

function follower(file: string, table: MemoryTable, graceful: (file: string) => GracefulOutcome, restart?: () => void) {
  const gracefuls: string[] = [];
  const f = new FarmConfigFollower({
    table,
    member: 'sps1.farm.test',
    names: ['sps1.farm.test'],
    file,
    load: {},
    graceful: async (source) => {
      gracefuls.push(source);
      return graceful(file);
    },
    ...(restart && { restart }),
    log: () => undefined,
  });
  return { f, gracefuls };
}

/** What a graceful restart of this file reports: the restart-class directives that differ from BASE wait. */
function gracefulOf(file: string): GracefulOutcome {
  const was = parseConfig(BASE, file);
  const now = parseConfig(readFileSync(file, 'utf8'), file);
  assert.ok(was.ok && now.ok);
  return { ok: true, pending: ['StatefulServer', 'SharedMemorySize'].filter((n) => JSON.stringify((was.config.values as unknown as Record<string, unknown>)[n]) !== JSON.stringify((now.config.values as unknown as Record<string, unknown>)[n])) };
}

describe('the follower', () => {
  test('a new generation is merged, written, gracefully applied and recorded once', async () => {
    const file = scratchConf(BASE);
    const table = new MemoryTable();
    const { f, gracefuls } = follower(file, table, gracefulOf);
    await f.poll();
    assert.equal(table.outcomes.length, 0, 'nothing pushed yet');
    table.push({ SipT1InMs: ['800'] });
    await f.poll();
    await f.poll();
    assert.match(readFileSync(file, 'utf8'), /^SipT1InMs 800$/m);
    assert.match(readFileSync(file, 'utf8'), /^Listen 127\.0\.0\.1:5060$/m);
    assert.deepEqual(gracefuls, ['farm configuration generation 1']);
    assert.deepEqual(table.outcomes.map((o) => [o.gen, o.state, o.operation]), [[1, 'applied', 'graceful']]);
    table.push({ SipT1InMs: ['800'] });
    await f.poll();
    assert.deepEqual(table.outcomes.map((o) => [o.gen, o.state, o.operation]).at(-1), [2, 'unchanged', 'none']);
    await f.stop();
  });

  test('a file that already holds the values (saved here by pserver) still gets its graceful restart when sipd runs an older text', async () => {
    const text = mergeFarmValues(BASE, '/x', { SipT1InMs: ['750'] }).text;
    const file = scratchConf(text);
    const table = new MemoryTable();
    const gracefuls: string[] = [];
    let loaded = BASE;
    const f = new FarmConfigFollower({
      table,
      member: 'm',
      names: ['m'],
      file,
      load: {},
      loadedText: () => loaded,
      graceful: async (source) => {
        gracefuls.push(source);
        loaded = readFileSync(file, 'utf8');
        return { ok: true, pending: [] };
      },
      log: () => undefined,
    });
    table.push({ SipT1InMs: ['750'] });
    await f.poll();
    assert.equal(readFileSync(file, 'utf8'), text);
    assert.deepEqual(table.outcomes.map((o) => [o.state, o.operation]), [['applied', 'graceful']]);
    table.push({ SipT1InMs: ['750'] });
    await f.poll();
    assert.deepEqual(table.outcomes.map((o) => [o.state, o.operation]).at(-1), ['unchanged', 'none'], 'now it runs the file');
    assert.equal(gracefuls.length, 1);
    await f.stop();
  });

  test('an invalid generation writes nothing and records the errors with file:line', async () => {
    const file = scratchConf(BASE);
    const table = new MemoryTable();
    const { f, gracefuls } = follower(file, table, gracefulOf);
    table.push({ SipT1InMs: ['fast'] });
    await f.poll();
    assert.equal(readFileSync(file, 'utf8'), BASE);
    assert.deepEqual(gracefuls, []);
    const o = table.outcomes[0];
    assert.equal(o.state, 'invalid');
    assert.match(o.detail[0], new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5:\\d+: `));
    await f.stop();
  });

  test('a host-specific name in a generation is not applied, and said so', async () => {
    const file = scratchConf(BASE);
    const table = new MemoryTable();
    const { f } = follower(file, table, gracefulOf);
    table.push({ Listen: ['0.0.0.0:5999'], SipT1InMs: ['900'] });
    await f.poll();
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^Listen 127\.0\.0\.1:5060$/m);
    assert.match(text, /^SipT1InMs 900$/m);
    assert.equal(table.outcomes[0].state, 'applied');
    assert.ok(table.outcomes[0].detail.some((d) => /not applied: Listen is host-specific/.test(d)));
    await f.stop();
  });

  test('a directive needing a full restart: pending unless the push allows it and sipd can restart itself', async () => {
    for (const [allow, hook, want] of [
      [false, true, 'restart-pending'],
      [true, false, 'restart-pending'],
      [true, true, 'applied'],
    ] as const) {
      const file = scratchConf(BASE);
      const table = new MemoryTable();
      let restarts = 0;
      const { f } = follower(file, table, gracefulOf, hook ? () => restarts++ : undefined);
      table.push({ StatefulServer: ['Off'] }, allow);
      await f.poll();
      const o = table.outcomes[0];
      assert.equal(o.state, want, `allow ${allow}, hook ${hook}`);
      assert.equal(o.operation, want === 'applied' ? 'restart' : 'graceful');
      assert.equal(restarts, want === 'applied' ? 1 : 0);
      if (want !== 'applied') assert.match(o.detail.at(-1)!, /StatefulServer changed and wait/);
      await f.stop();
    }
  });

  test('an outcome the database did not take is recorded at the next poll, without applying again', async () => {
    const file = scratchConf(BASE);
    const table = new MemoryTable();
    const { f, gracefuls } = follower(file, table, gracefulOf);
    table.push({ SipT1InMs: ['650'] });
    table.failRecords = 1;
    await f.poll();
    assert.equal(table.outcomes.length, 0);
    await f.poll();
    assert.deepEqual(table.outcomes.map((o) => [o.gen, o.state]), [[1, 'applied']]);
    assert.equal(gracefuls.length, 1);
    await f.stop();
  });

  test('a member that was away applies only the newest generation (it carries every value)', async () => {
    const file = scratchConf(BASE);
    const table = new MemoryTable();
    table.push({ SipT1InMs: ['600'] });
    table.push({ SipT1InMs: ['600'], AuthRealm: ['farm'] });
    const { f, gracefuls } = follower(file, table, gracefulOf);
    await f.poll();
    assert.deepEqual(table.outcomes.map((o) => o.gen), [2]);
    assert.equal(gracefuls.length, 1);
    assert.match(readFileSync(file, 'utf8'), /^AuthRealm farm$/m);
    await f.stop();
  });
});

describe('the pusher', () => {
  const outcome = (member: string, state: FarmOutcome['state'], names: string[] = [member], gen = 3): FarmOutcome => ({ gen, member, state, operation: state === 'applied' ? 'graceful' : 'none', detail: state === 'invalid' ? ['sipd.conf:5:11: bad'] : [], names, at: 0 });

  test('expected members: this host, then the hosts of its farm lists in lower case, without itself', () => {
    const r = parseConfig(`${BASE}Cisco_Routing_Farm_Members SPS2.farm.test sps3.farm.test sps1.farm.test\nDB_MySQL On\nDB_MySQL_Username sps\n`, '/x/conf/sipd.conf');
    assert.ok(r.ok, r.ok ? '' : r.errors.map((e) => e.message).join());
    if (r.ok) assert.deepEqual(expectedMembers(r.config), ['sps1.farm.test', 'sps2.farm.test', 'sps3.farm.test']);
  });

  test('answers are matched by member name, then by the names a member goes by; silence and refusals fail the push', () => {
    const expected = ['sps1.farm.test', 'sps2.farm.test', '10.0.0.3'];
    const m = matchOutcomes(expected, [outcome('sps1.farm.test', 'applied'), outcome('sps3.farm.test', 'unchanged', ['sps3.farm.test', '10.0.0.3']), outcome('sps9.farm.test', 'applied')]);
    assert.deepEqual(m.map((x) => [x.name, x.outcome?.member, x.expected]), [
      ['sps1.farm.test', 'sps1.farm.test', true],
      ['sps2.farm.test', undefined, true],
      ['10.0.0.3', 'sps3.farm.test', true],
      ['sps9.farm.test', 'sps9.farm.test', false],
    ]);
    assert.equal(resultOk(m), false, 'sps2 did not answer');
    assert.equal(memberLine(m[1], 3, 30), 'sps2.farm.test: not answering (no outcome within 30 s: sipd down, or not following the farm configuration)');
    assert.equal(memberLine(m[0], 3), 'sps1.farm.test: applied (graceful restart)');
    const all = matchOutcomes(['a', 'b'], [outcome('a', 'applied'), outcome('b', 'restart-pending')]);
    assert.equal(resultOk(all), true);
    const refused = matchOutcomes(['a', 'b'], [outcome('a', 'applied'), outcome('b', 'invalid')]);
    assert.equal(resultOk(refused), false);
    assert.equal(memberLine(refused[1], 3), 'b: invalid: sipd.conf:5:11: bad');
    assert.match(memberLine({ name: 'a', expected: true, outcome: outcome('a', 'applied', ['a'], 4) }, 3), /\[generation 4, which superseded 3\]/);
  });

  test('sip farm arguments', () => {
    assert.deepEqual(parseFarmArgs(['push', 'SipT1InMs', '700', 'Allow', 'from 10.0.0.0/8', 'Allow', 'from 1.2.3.4', 'Accounting', '']), {
      ok: true,
      cmd: { sub: 'push', waitS: 30, restart: false, values: { SipT1InMs: ['700'], Allow: ['from 10.0.0.0/8', 'from 1.2.3.4'], Accounting: [] } },
    });
    assert.deepEqual(parseFarmArgs(['push', '--wait', '5', '--restart', 'StatefulServer', 'Off']), { ok: true, cmd: { sub: 'push', waitS: 5, restart: true, values: { StatefulServer: ['Off'] } } });
    assert.deepEqual(parseFarmArgs(['status']), { ok: true, cmd: { sub: 'status' } });
    assert.deepEqual(parseFarmArgs(['status', '4']), { ok: true, cmd: { sub: 'status', gen: 4 } });
    for (const bad of [['push'], ['push', 'SipT1InMs'], ['push', '--wait', 'x', 'A', '1'], ['push', '--bogus'], ['pull'], [], ['status', 'x'], ['push', '--from', '/nonexistent/file']]) {
      assert.equal(parseFarmArgs(bad).ok, false, bad.join(' '));
    }
  });
});
