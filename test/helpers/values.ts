// Values the unit tests build again and again: a parsed sipd.conf snapshot and a URI.
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/server/config.js';
import type { Config } from '../../src/config/loader.js';
import { parseUri } from '../../src/sip/uri.js';
import type { Uri } from '../../src/sip/uri.js';

/** A config snapshot from directive lines (or one text), as if read from /x/conf/sipd.conf; fails the test on an error. */
export function configOf(lines: readonly string[] | string = []): Config {
  const text = typeof lines === 'string' ? lines : lines.join('\n') + '\n';
  const r = parseConfig(text, '/x/conf/sipd.conf');
  assert.ok(r.ok, r.ok ? '' : r.errors.map((e) => e.message).join('; '));
  return r.config;
}

/** A parsed URI; fails the test when the text does not parse. */
export function uriOf(text: string): Uri {
  const r = parseUri(text);
  assert.ok(r.ok, `${text}: ${r.ok ? '' : r.reason}`);
  return r.uri;
}
