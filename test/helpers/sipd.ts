// A sipd started in-process on a scratch ServerRoot, for integration tests.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfigFile } from '../../src/server/config.js';
import { Sipd } from '../../src/server/sipd.js';
import { EmbeddedSubscriberStore } from '../../src/stores/embedded/subscriber-store.js';
import { makeSecret } from '../../src/stores/secret.js';
import { emptySubscriber } from '../../src/stores/subscriber-store.js';
import type { TcpOptions } from '../../src/transport/tcp.js';
import { freePort } from './ports.js';
import { makeServerRoot } from './serverroot.js';
import type { ServerRoot } from './serverroot.js';

export interface TestProxy {
  readonly sr: ServerRoot;
  readonly sipd: Sipd;
  readonly port: number;
  /** With `keepStore`: the test's own writer of sipd's subscriber files, as the provisioning tools write them. */
  readonly subscribers?: EmbeddedSubscriberStore;
}

export interface TestSipdOptions {
  /** Subscribers put in the embedded store (ServerRoot/data) before sipd starts: user → password, HA1 for `realm`. */
  readonly subscribers?: Readonly<Record<string, string>>;
  /** Default CISCO, AuthRealm's default. */
  readonly realm?: string;
  /** Keep a writer of the embedded subscriber store open for the test (closed by stopTestSipd). */
  readonly keepStore?: boolean;
  /** Files written under the ServerRoot before sipd starts, e.g. { 'conf/persistent_tcp.conf': '127.0.0.1:5070\n' }. */
  readonly files?: Readonly<Record<string, string>>;
  /** TCP limits sipd.conf has no directive for (Sipd.start's `tcp`), e.g. a short idle time. */
  readonly tcp?: Partial<TcpOptions>;
  /** Run on the ServerRoot after the files are written and before sipd starts (e.g. to fill its route database). */
  readonly prepare?: (sr: ServerRoot) => Promise<void>;
}

/** sipd on a free port with these sipd.conf lines (after the scratch root's own). */
export async function startTestSipd(lines: readonly string[], o: TestSipdOptions = {}): Promise<TestProxy> {
  const port = await freePort();
  const sr = makeServerRoot(port, [...lines]);
  let store: EmbeddedSubscriberStore | undefined;
  try {
    if (o.subscribers || o.keepStore) {
      // Where sipd's embedded store reads (DB_MySQL Off); changes reach sipd within refreshMs.
      store = await EmbeddedSubscriberStore.open({ dir: path.join(sr.root, 'data'), log: () => undefined, refreshMs: 50 });
      for (const [user, password] of Object.entries(o.subscribers ?? {})) {
        await store.add({ ...emptySubscriber(user, ''), secret: makeSecret(user, o.realm ?? 'CISCO', password) });
      }
      if (!o.keepStore) {
        await store.close();
        store = undefined;
      }
    }
    for (const [name, text] of Object.entries(o.files ?? {})) writeFileSync(path.join(sr.root, name), text);
    await o.prepare?.(sr);
    const r = loadConfigFile(sr.conf);
    assert.ok(r.ok, r.ok ? '' : r.errors.map((e) => e.message).join('; '));
    const sipd = await Sipd.start(r.config, { file: sr.conf, load: {}, ...(o.tcp && { tcp: o.tcp }) });
    return { sr, sipd, port, ...(store && { subscribers: store }) };
  } catch (e) {
    await store?.close();
    sr.remove();
    throw e;
  }
}

export async function stopTestSipd(p: TestProxy | undefined): Promise<void> {
  if (!p) return;
  await p.sipd.stop('test over');
  await p.subscribers?.close();
  p.sr.remove();
}
