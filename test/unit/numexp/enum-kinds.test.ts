// ENUM translates a Request-URI only when NumericUsernameInterpretation (or ;user=phone,
// or tel:) lets its user part be a number: under IP, or with ;user=ip, a numeric user
// part is a URL user and no NAPTR question is asked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../../src/server/config.js';
import type { Config } from '../../../src/config/loader.js';
import { EnumTranslator } from '../../../src/modules/enum/enum.js';
import type { RequestContext } from '../../../src/proxy/stages.js';
import { parseMessage } from '../../../src/sip/message.js';
import type { SipRequest } from '../../../src/sip/message.js';
import { parseUri } from '../../../src/sip/uri.js';
import { MemoryDns } from '../dns/memory-dns.js';

function config(...lines: string[]): Config {
  const r = parseConfig(['Cisco_Enum On', ...lines].join('\n') + '\n', '/srv/sip/conf/sipd.conf');
  assert.ok(r.ok, r.ok ? '' : r.errors.map((e) => e.message).join('; '));
  return r.config;
}

async function translate(ruri: string, cfg: Config): Promise<{ hosts: string[]; asked: number }> {
  const dns = new MemoryDns().add('2.2.1.0.5.5.5.8.0.4.1.e164.arpa', 'NAPTR', { order: 1, preference: 1, flags: 'u', services: 'E2U+sip', regexp: '!^.*$!sip:bob@pbx.example!', replacement: '' });
  const m = parseMessage(Buffer.from([`INVITE ${ruri} SIP/2.0`, 'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKk', 'From: <sip:a@x.example>;tag=1', `To: <${ruri}>`, 'Call-ID: k1', 'CSeq: 1 INVITE', 'Content-Length: 0', '', ''].join('\r\n')));
  assert.ok(m.ok);
  const u = parseUri(ruri);
  assert.ok(u.ok);
  const ctx: RequestContext = { req: m.message as SipRequest, source: { transport: 'UDP', remoteAddress: '192.0.2.1', remotePort: 5060, localAddress: '192.0.2.9', localPort: 5060 }, config: cfg, trustedSource: false };
  const t = await new EnumTranslator({ client: dns }).translate(ctx, u.uri);
  return { hosts: (t ?? []).map((x) => (x.uri.scheme === 'tel' ? '' : x.uri.host)), asked: dns.askedOf('NAPTR').length };
}

test('E164_IP, IP_164 and E164 look a numeric user part up; IP does not', async () => {
  for (const v of ['E164_IP', 'IP_164', 'E164']) {
    assert.deepEqual(await translate('sip:+14085550122@cisco.com', config(`NumericUsernameInterpretation ${v}`)), { hosts: ['pbx.example'], asked: 1 }, v);
  }
  assert.deepEqual(await translate('sip:+14085550122@cisco.com', config('NumericUsernameInterpretation IP')), { hosts: [], asked: 0 });
});

test(';user=phone and tel: are numbers, ;user=ip is not, whatever the directive says', async () => {
  const ip = config('NumericUsernameInterpretation IP');
  assert.deepEqual(await translate('sip:+14085550122@cisco.com;user=phone', ip), { hosts: ['pbx.example'], asked: 1 });
  assert.deepEqual(await translate('tel:+1-408-555-0122', ip), { hosts: ['pbx.example'], asked: 1 });
  assert.deepEqual(await translate('sip:+14085550122@cisco.com;user=ip', config('NumericUsernameInterpretation E164')), { hosts: [], asked: 0 });
});
