// A sipd started in-process on a scratch ServerRoot, for integration tests.
import assert from 'node:assert/strict';
import { loadConfigFile } from '../../src/config/loader.js';
import { Sipd } from '../../src/server/sipd.js';
import { freePort } from './ports.js';
import { makeServerRoot } from './serverroot.js';
import type { ServerRoot } from './serverroot.js';

export interface TestProxy {
  readonly sr: ServerRoot;
  readonly sipd: Sipd;
  readonly port: number;
}

/** sipd on a free port with these sipd.conf lines (after the scratch root's own). */
export async function startTestSipd(lines: readonly string[]): Promise<TestProxy> {
  const port = await freePort();
  const sr = makeServerRoot(port, [...lines]);
  const r = loadConfigFile(sr.conf);
  assert.ok(r.ok, r.ok ? '' : r.errors.map((e) => e.message).join('; '));
  const sipd = await Sipd.start(r.config, { file: sr.conf, load: {} });
  return { sr, sipd, port };
}

export async function stopTestSipd(p: TestProxy | undefined): Promise<void> {
  if (!p) return;
  await p.sipd.stop('test over');
  p.sr.remove();
}
