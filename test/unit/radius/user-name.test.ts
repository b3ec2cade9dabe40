// RadiusUserNameAttrAddDomain: user@domain only for our own domains (ProxyDomain and the
// Virtual_Proxy_Domain values), the bare user otherwise or when the directive is Off.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { radiusUserName } from '../../../src/modules/radius/user-name.js';
import { parseConfig } from '../../../src/server/config.js';

function config(lines: string[]) {
  const r = parseConfig(lines.join('\n') + '\n', 'sipd.conf');
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  return r.config;
}

const OURS = ['ProxyDomain example.com', '<VirtualProxyHost east>', 'Virtual_Proxy_Domain east.example.net', '</VirtualProxyHost>'];

test('ProxyDomain and a Virtual_Proxy_Domain are appended, case and trailing dot ignored', () => {
  const c = config(OURS);
  assert.equal(radiusUserName('alice', 'example.com', c), 'alice@example.com');
  assert.equal(radiusUserName('alice', 'EXAMPLE.com.', c), 'alice@example.com');
  assert.equal(radiusUserName('bob', 'East.Example.Net', c), 'bob@east.example.net');
});

test('another domain, no domain, or the directive Off: the bare user', () => {
  const c = config(OURS);
  assert.equal(radiusUserName('alice', 'example.org', c), 'alice');
  assert.equal(radiusUserName('alice', undefined, c), 'alice');
  assert.equal(radiusUserName('alice', 'example.com', config([...OURS, 'RadiusUserNameAttrAddDomain Off'])), 'alice');
});
