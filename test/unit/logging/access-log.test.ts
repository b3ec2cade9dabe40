import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { AccessLog, HostnameCache } from '../../../src/logging/access-log.js';
import type { AccessEntry } from '../../../src/logging/access-log.js';
import { BUILTIN_LOG_FORMATS } from '../../../src/logging/directives.js';
import type { CustomLogSetting } from '../../../src/logging/directives.js';
import { checkSequence, readLines, removeDir, rotatedFiles, sleep, tempDir, waitFor } from './helpers.js';

function entry(n: number, over: Partial<AccessEntry> = {}): AccessEntry {
  return {
    remoteAddress: '192.0.2.7',
    remotePort: 5062,
    localAddress: '192.0.2.1',
    localPort: 5060,
    transport: 'TCP',
    method: 'REGISTER',
    requestUri: `sip:user${n}@example.com`,
    protocol: 'SIP/2.0',
    requestHeader: (h) => (h.toLowerCase() === 'call-id' ? `call-${n}` : undefined),
    status: 200,
    responseHeader: () => undefined,
    bytes: 300,
    start: 0n,
    end: 1000n,
    time: new Date(),
    ...over,
  };
}

const setting = (format: string, file = 'logs/access_log'): CustomLogSetting => ({ target: { kind: 'file', path: file }, format });

test('writes one line per entry in the chosen format', { timeout: 10_000 }, async () => {
  const root = await tempDir();
  try {
    const log = await AccessLog.open({ setting: setting('%x %m %{Call-ID}i %>s'), formats: BUILTIN_LOG_FORMATS, hostnameLookups: false, serverRoot: root });
    log.log(entry(1));
    log.log(entry(2, { status: 401, method: 'INVITE' }));
    await log.close();
    assert.deepEqual(readLines(path.join(root, 'logs/access_log')), ['TCP REGISTER call-1 200', 'TCP INVITE call-2 401']);
  } finally {
    await removeDir(root);
  }
});

test('nicknames from LogFormat; an unknown nickname or bad format is an error', { timeout: 10_000 }, async () => {
  const root = await tempDir();
  try {
    const formats = { ...BUILTIN_LOG_FORMATS, mine: '%{Call-ID}i' };
    const log = await AccessLog.open({ setting: setting('mine'), formats, hostnameLookups: false, serverRoot: root });
    log.log(entry(7));
    await assert.rejects(log.reconfigure({ setting: setting('%Z'), formats, hostnameLookups: false, serverRoot: root }), /unknown format code %Z/);
    log.log(entry(8)); // still the old format
    await log.close();
    assert.deepEqual(readLines(path.join(root, 'logs/access_log')), ['call-7', 'call-8']);
    await assert.rejects(AccessLog.open({ setting: setting('nosuch'), formats, hostnameLookups: false, serverRoot: root }), /not a LogFormat nickname/);
  } finally {
    await removeDir(root);
  }
});

test('rename then reopen under continuous logging: every line once', { timeout: 15_000 }, async () => {
  const root = await tempDir();
  try {
    const file = path.join(root, 'logs/access_log');
    const log = await AccessLog.open({ setting: setting('%{Call-ID}i'), formats: BUILTIN_LOG_FORMATS, hostnameLookups: false, serverRoot: root });
    let n = 0;
    let stop = false;
    const writer = (async () => {
      while (!stop) {
        for (let k = 0; k < 100; k++) log.log(entry(n++));
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let i = 1; i <= 3; i++) {
      await sleep(100);
      fs.renameSync(file, `${file}.${i}`);
      await sleep(10);
      await log.reopen();
    }
    await sleep(100);
    stop = true;
    await writer;
    await log.close();
    const all = [...rotatedFiles(path.join(root, 'logs'), 'access_log'), file].flatMap(readLines);
    assert.equal(checkSequence(all, (l) => Number(l.slice(5))), n);
    assert.equal(all.length, n);
  } finally {
    await removeDir(root);
  }
});

test('HostnameLookups: the address until the name is known, then the name; lookups never block', { timeout: 10_000 }, async () => {
  const root = await tempDir();
  try {
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const reverse = async (a: string): Promise<string[]> => {
      calls++;
      await gate;
      return a === '192.0.2.7' ? ['phone7.example.com'] : [];
    };
    const log = await AccessLog.open({ setting: setting('%h %a'), formats: BUILTIN_LOG_FORMATS, hostnameLookups: true, serverRoot: root, reverse });
    log.log(entry(1));
    log.log(entry(2)); // same address: no second lookup while one runs
    log.log(entry(3, { remoteAddress: '192.0.2.99' }));
    release();
    await sleep(20);
    log.log(entry(4));
    log.log(entry(5, { remoteAddress: '192.0.2.99' }));
    await log.close();
    assert.equal(calls, 2);
    assert.deepEqual(readLines(path.join(root, 'logs/access_log')), [
      '192.0.2.7 192.0.2.7',
      '192.0.2.7 192.0.2.7',
      '192.0.2.99 192.0.2.99',
      'phone7.example.com 192.0.2.7',
      '192.0.2.99 192.0.2.99',
    ]);
  } finally {
    await removeDir(root);
  }
});

test('HostnameCache: failed lookups and a bounded size', { timeout: 5_000 }, async () => {
  const cache = new HostnameCache(async (a) => {
    if (a.endsWith('.1')) throw new Error('NXDOMAIN');
    return [`h${a}`];
  }, { maxEntries: 2 });
  for (const a of ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']) assert.equal(cache.host(a), a);
  assert.ok(await waitFor(() => cache.host('10.0.0.4') === 'h10.0.0.4', 1000));
  assert.equal(cache.host('10.0.0.1'), '10.0.0.1'); // evicted or failed: the address
});

test('pipe target', { timeout: 10_000 }, async () => {
  const root = await tempDir();
  try {
    const log = await AccessLog.open({
      setting: { target: { kind: 'pipe', command: 'cat >> access.txt' }, format: '%{Call-ID}i' },
      formats: BUILTIN_LOG_FORMATS,
      hostnameLookups: false,
      serverRoot: root,
    });
    for (let i = 0; i < 500; i++) log.log(entry(i));
    await log.close();
    assert.equal(checkSequence(readLines(path.join(root, 'access.txt')), (l) => Number(l.slice(5))), 500);
  } finally {
    await removeDir(root);
  }
});
