// Privacy (guide Appendix B "Configuring Privacy", Appendix E "Call-Flow Scenarios with
// CLIR Support"). The setup of the CLIR figures: ATA phones A1-A3 (5001-5003) are
// untrusted both ways, the PSTN gateway PGW is trusted both ways; callers ask for
// privacy with an "Anonymous" From; Privacy, PrivacyWithPAI/RPID/Diversion are all On.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { diversionHeader } from '../../../src/modules/callforward/diversion.js';
import { PrivacyHooks } from '../../../src/modules/privacy/rewrite.js';
import { forwardCopy } from '../../../src/proxy/forward.js';
import type { RequestContext } from '../../../src/proxy/stages.js';
import { buildResponse } from '../../../src/sip/message.js';
import type { SipRequest } from '../../../src/sip/message.js';
import type { Destination } from '../../../src/transport/types.js';
import { configOf, request } from '../callforward/harness.js';

const A1 = '10.0.0.1';
const A2 = '10.0.0.2';
const A3 = '10.0.0.3';
const PGW = '10.0.0.100';
const TRUSTED = new Set([PGW]);
const ALL_ON = 'ProxyDomain sps.example\nPrivacy On\nPrivacyWithPAI On\nPrivacyWithRPID On\nPrivacyWithDiversion On\n';

function bench(conf = ALL_ON) {
  const config = configOf(conf);
  const debug: string[] = [];
  const hooks = new PrivacyHooks({ trustedDestination: (a) => TRUSTED.has(a), log: { flag: (_f, m) => debug.push(m) } });
  return { config, hooks, debug };
}

function invite(ruri: string, extra: string[], from = '"Anonymous" <sip:anonymous@anonymous.invalid>;tag=f'): SipRequest {
  return request([`INVITE ${ruri} SIP/2.0`, 'Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKp', `From: ${from}`, `To: <${ruri}>`, 'Call-ID: clir@10.0.0.9', 'CSeq: 1 INVITE', ...extra]);
}

function ctxOf(req: SipRequest, config: ReturnType<typeof configOf>, o: { trusted: boolean; user?: string }): RequestContext {
  const source = { transport: 'UDP' as const, remoteAddress: o.trusted ? PGW : A1, remotePort: 5060, localAddress: '192.0.2.9', localPort: 5060 };
  return { req, source, config, trustedSource: o.trusted, ...(o.user && { authenticatedUser: o.user }) };
}

const dest = (host: string): Destination => ({ transport: 'UDP', host, port: 5060 });

/** The copy of ctx.req sent to `to`, with the target's extra headers, after the privacy hook. */
function send(b: ReturnType<typeof bench>, ctx: RequestContext, to: string, requestUri?: string, targetHeaders: [string, string][] = []): SipRequest {
  const copy = forwardCopy(ctx.req, { requestUri });
  for (const [n, v] of [...targetHeaders].reverse()) copy.headers.prepend(n, v);
  b.hooks.outgoing(ctx, copy, dest(to));
  return copy;
}

const PAI = 'P-Asserted-Identity';
const RPID = 'Remote-Party-ID';

describe('CLIR: A1 (ATA, untrusted) calls anonymously', () => {
  // A1 authenticated as 5001; its forged identity headers must not survive.
  const forged = ['P-Asserted-Identity: <sip:9999@evil.example>', 'Remote-Party-ID: <sip:9999@evil.example>;party=calling', 'Diversion: <sip:8888@evil.example>;reason=unconditional'];

  test('E-23 A1 call A2: to untrusted A2 no PAI, RPID or Diversion, and "Privacy: id" is added', () => {
    const b = bench();
    const ctx = ctxOf(invite('sip:5002@sps.example', forged), b.config, { trusted: false, user: '5001' });
    const c = send(b, ctx, A2, 'sip:5002@10.0.0.2');
    assert.equal(c.headers.get(PAI), undefined);
    assert.equal(c.headers.get(RPID), undefined);
    assert.equal(c.headers.get('Diversion'), undefined);
    assert.equal(c.headers.get('Privacy'), 'id');
    assert.equal(c.headers.get('From'), '"Anonymous" <sip:anonymous@anonymous.invalid>;tag=f', 'From is the caller\'s business');
  });

  test('E-26 A1 call A2 redirect to P1: the trusted PGW gets our asserted identity with privacy=full', () => {
    const b = bench();
    const ctx = ctxOf(invite('sip:5002@sps.example', forged), b.config, { trusted: false, user: '5001' });
    const c = send(b, ctx, PGW, 'sip:4085550000@10.0.0.100');
    assert.deepEqual(c.headers.values(PAI), ['<sip:5001@sps.example>']);
    assert.deepEqual(c.headers.values(RPID), ['<sip:5001@sps.example>;party=calling;screen=yes;privacy=full']);
    assert.equal(c.headers.get('Privacy'), 'id');
    assert.equal(c.headers.get('Diversion'), undefined, 'the forged Diversion is gone');
  });

  test('an unauthenticated untrusted caller\'s identity headers are simply removed, even toward a trusted host', () => {
    const b = bench();
    const ctx = ctxOf(invite('sip:5002@sps.example', forged, '<sip:5001@sps.example>;tag=f'), b.config, { trusted: false });
    const c = send(b, ctx, PGW);
    assert.equal(c.headers.get(PAI), undefined);
    assert.equal(c.headers.get(RPID), undefined);
    assert.equal(c.headers.get('Privacy'), undefined, 'no privacy was asked for');
  });

  test('an authenticated user with virtual proxy hosts is asserted in its own domain; odd characters are escaped', () => {
    const b = bench();
    const ctx = ctxOf(invite('sip:5002@sps.example', [], '<sip:x@y>;tag=f'), b.config, { trusted: false, user: 'j doe@east.example' });
    assert.deepEqual(send(b, ctx, PGW).headers.values(PAI), ['<sip:j%20doe@east.example>']);
  });
});

describe('CLIR: redirect and forward of A1\'s call', () => {
  test('E-23 the 302 from A2: a top Diversion naming another URI is rewritten to the Request-URI we were sent', () => {
    const b = bench();
    const ctx = ctxOf(invite('sip:5002@sps.example', []), b.config, { trusted: false, user: '5001' });
    const res = buildResponse(ctx.req, 302, 'Moved Temporarily', { headers: [['Contact', '<sip:5003@10.0.0.3>'], ['Diversion', '<sip:7777@10.0.0.2>;reason=unconditional;privacy=full, <sip:6666@x>;reason=user-busy']] });
    b.hooks.upstream(ctx, res);
    assert.deepEqual(res.headers.values('Diversion'), ['<sip:5002@sps.example>;reason=unconditional;privacy=full', '<sip:6666@x>;reason=user-busy']);
    assert.match(b.debug.join('\n'), /302 response: top Diversion .* rewritten/);
    const same = buildResponse(ctx.req, 302, 'Moved Temporarily', { headers: [['Diversion', '<sip:5002@SPS.example>;reason=unconditional']] });
    b.hooks.upstream(ctx, same);
    assert.equal(same.headers.get('Diversion'), '<sip:5002@SPS.example>;reason=unconditional', 'an equal URI is left as written');
  });

  test('E-23 recursion to A3: the private Diversion is shown as Anonymous to untrusted A3', () => {
    const b = bench();
    const ctx = ctxOf(invite('sip:5002@sps.example', []), b.config, { trusted: false, user: '5001' });
    const div: [string, string] = ['Diversion', '<sip:5002@sps.example>;reason=unconditional;privacy=full'];
    const c = send(b, ctx, A3, 'sip:5003@10.0.0.3', [div]);
    assert.deepEqual(c.headers.values('Diversion'), ['<sip:Anonymous@Anonymous>;reason=unconditional;privacy=full']);
  });

  test('E-24 A1 call A2 call forward busy to A3: SPS\'s own Diversion (RedirectDNPrivacy) reaches A3 as Anonymous', () => {
    const b = bench(ALL_ON + 'CallForwardBusy On\nDiversionHeaderName Diversion\n');
    const ctx = ctxOf(invite('sip:5002@sps.example', []), b.config, { trusted: false, user: '5001' });
    const div = diversionHeader(b.config, ctx.req.uri, 'user-busy', { redirectDnPrivacy: true })!;
    const c = send(b, ctx, A3, 'sip:5003@10.0.0.3', [div]);
    assert.deepEqual(c.headers.values('Diversion'), ['<sip:Anonymous@Anonymous>;reason="user-busy";counter=1;privacy=full']);
    assert.equal(c.headers.get(PAI), undefined);
    assert.equal(c.headers.get(RPID), undefined);
  });

  test('E-27 A1 call A2 call forward busy to P1: the trusted PGW sees who forwarded, and who called', () => {
    const b = bench(ALL_ON + 'CallForwardBusy On\nDiversionHeaderName Diversion\n');
    const ctx = ctxOf(invite('sip:5002@sps.example', []), b.config, { trusted: false, user: '5001' });
    const div = diversionHeader(b.config, ctx.req.uri, 'user-busy', { redirectDnPrivacy: true })!;
    const c = send(b, ctx, PGW, 'sip:4085550000@10.0.0.100', [div]);
    assert.deepEqual(c.headers.values('Diversion'), ['<sip:5002@sps.example>;reason="user-busy";counter=1;privacy=full']);
    assert.deepEqual(c.headers.values(PAI), ['<sip:5001@sps.example>']);
  });
});

describe('CLIR: P1 calls through the trusted PGW', () => {
  const pstn = ['P-Asserted-Identity: <sip:4081112222@10.0.0.100>', 'Remote-Party-ID: "P1" <sip:4081112222@10.0.0.100>;party=calling;privacy=full', 'Privacy: id'];

  test('E-29 P1 call A1: untrusted A1 gets neither PAI nor RPID', () => {
    const b = bench();
    const ctx = ctxOf(invite('sip:5001@sps.example', pstn), b.config, { trusted: true });
    const c = send(b, ctx, A1, 'sip:5001@10.0.0.1');
    assert.equal(c.headers.get(PAI), undefined);
    assert.equal(c.headers.get(RPID), undefined);
    assert.equal(c.headers.get('Privacy'), 'id');
  });

  test('E-29 P1 call A1 redirect to A2: INVITE 5002 carries "Div: Anonymous privacy=full"', () => {
    const b = bench();
    const ctx = ctxOf(invite('sip:5001@sps.example', pstn), b.config, { trusted: true });
    const c = send(b, ctx, A2, 'sip:5002@10.0.0.2', [['Diversion', '<sip:5001@sps.example>;reason=unconditional;privacy=full']]);
    assert.deepEqual(c.headers.values('Diversion'), ['<sip:Anonymous@Anonymous>;reason=unconditional;privacy=full']);
    assert.equal(c.headers.get(PAI), undefined);
  });

  test('E-30 P1 call A1 call forward busy to A2: the same, with SPS\'s Diversion', () => {
    const b = bench(ALL_ON + 'CallForwardBusy On\n');
    const ctx = ctxOf(invite('sip:5001@sps.example', pstn), b.config, { trusted: true });
    const div = diversionHeader(b.config, ctx.req.uri, 'user-busy', { redirectDnPrivacy: true })!;
    const c = send(b, ctx, A2, 'sip:5002@10.0.0.2', [div]);
    assert.match(c.headers.get('Diversion') ?? '', /^<sip:Anonymous@Anonymous>;reason="user-busy"/);
    assert.equal(c.headers.get(RPID), undefined);
  });

  test('E-32 P1 call A1 redirect to P2 and E-33 forward busy to P2: trusted all the way, nothing is hidden', () => {
    const b = bench();
    const ctx = ctxOf(invite('sip:5001@sps.example', pstn), b.config, { trusted: true });
    const c = send(b, ctx, PGW, 'sip:4085551111@10.0.0.100', [['Diversion', '<sip:5001@sps.example>;reason=user-busy;privacy=full']]);
    assert.deepEqual(c.headers.values(PAI), ['<sip:4081112222@10.0.0.100>']);
    assert.deepEqual(c.headers.values(RPID), ['"P1" <sip:4081112222@10.0.0.100>;party=calling;privacy=full']);
    assert.deepEqual(c.headers.values('Diversion'), ['<sip:5001@sps.example>;reason=user-busy;privacy=full']);
  });

  test('a trusted sender\'s Diversion entries are kept; an untrusted sender\'s are dropped but ours stay', () => {
    const b = bench();
    const received = ['Diversion: <sip:4080000000@pstn>;reason=no-answer'];
    const trusted = ctxOf(invite('sip:5001@sps.example', received, '<sip:p1@pstn>;tag=f'), b.config, { trusted: true });
    assert.deepEqual(send(b, trusted, PGW).headers.values('Diversion'), ['<sip:4080000000@pstn>;reason=no-answer']);
    const untrusted = ctxOf(invite('sip:5001@sps.example', received, '<sip:p1@pstn>;tag=f'), b.config, { trusted: false });
    const c = send(b, untrusted, PGW, undefined, [['Diversion', '<sip:5001@sps.example>;reason="unavailable";counter=1']]);
    assert.deepEqual(c.headers.values('Diversion'), ['<sip:5001@sps.example>;reason="unavailable";counter=1']);
  });
});

describe('privacy requests and directives', () => {
  test('"Privacy: id" withholds PAI from untrusted hosts only; "Privacy: none" withholds nothing', () => {
    const b = bench();
    const id = ctxOf(invite('sip:5001@sps.example', ['P-Asserted-Identity: <sip:1@pgw>', 'Privacy: id'], '<sip:1@pgw>;tag=f'), b.config, { trusted: true });
    assert.equal(send(b, id, A1).headers.get(PAI), undefined);
    assert.equal(send(b, id, PGW).headers.get(PAI), '<sip:1@pgw>');
    const none = ctxOf(invite('sip:5001@sps.example', ['P-Asserted-Identity: <sip:1@pgw>', 'Privacy: none'], '<sip:1@pgw>;tag=f'), b.config, { trusted: true });
    assert.equal(send(b, none, A1).headers.get(PAI), '<sip:1@pgw>');
  });

  test('an Anonymous caller\'s "Privacy: none" becomes "Privacy: id"; other values are kept', () => {
    const b = bench();
    const none = ctxOf(invite('sip:5001@sps.example', ['Privacy: none']), b.config, { trusted: true });
    assert.equal(send(b, none, PGW).headers.get('Privacy'), 'id');
    const hdr = ctxOf(invite('sip:5001@sps.example', ['Privacy: header']), b.config, { trusted: true });
    assert.equal(send(b, hdr, PGW).headers.get('Privacy'), 'header;id');
  });

  test('RPID privacy=name hides only the display name from untrusted hosts', () => {
    const b = bench();
    const ctx = ctxOf(invite('sip:5001@sps.example', ['Remote-Party-ID: "P One" <sip:1@pgw>;privacy=name'], '<sip:1@pgw>;tag=f'), b.config, { trusted: true });
    assert.deepEqual(send(b, ctx, A1).headers.values(RPID), ['<sip:1@pgw>;privacy=name']);
    assert.deepEqual(send(b, ctx, PGW).headers.values(RPID), ['"P One" <sip:1@pgw>;privacy=name']);
  });

  test('Privacy Off, or a header\'s own directive Off, passes headers as they are', () => {
    const headers = ['P-Asserted-Identity: <sip:9@evil>', 'Remote-Party-ID: <sip:9@evil>;privacy=full', 'Diversion: <sip:8@evil>;privacy=full'];
    for (const conf of ['Privacy Off\nPrivacyWithPAI On\nPrivacyWithRPID On\nPrivacyWithDiversion On\n', 'Privacy On\n']) {
      const b = bench(conf);
      const c = send(b, ctxOf(invite('sip:5001@sps.example', headers), b.config, { trusted: false, user: '5001' }), A1);
      assert.equal(c.headers.get(PAI), '<sip:9@evil>');
      assert.equal(c.headers.get(RPID), '<sip:9@evil>;privacy=full');
      assert.equal(c.headers.get('Diversion'), '<sip:8@evil>;privacy=full');
      assert.equal(c.headers.get('Privacy'), undefined);
    }
  });

  test('only INVITEs are touched', () => {
    const b = bench();
    const msg = request(['MESSAGE sip:5001@sps.example SIP/2.0', 'Via: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKm', 'From: "Anonymous" <sip:a@b>;tag=f', 'To: <sip:5001@sps.example>', 'Call-ID: m', 'CSeq: 1 MESSAGE', 'P-Asserted-Identity: <sip:9@evil>']);
    assert.equal(send(b, ctxOf(msg, b.config, { trusted: false }), A1).headers.get(PAI), '<sip:9@evil>');
  });

  test('malformed identity headers do not break anything: untrusted ones are removed, others pass', () => {
    const b = bench();
    const bad = ['P-Asserted-Identity: <<<', 'Remote-Party-ID: "unterminated <sip:x@y>', 'Diversion: ;;;'];
    const c = send(b, ctxOf(invite('sip:5001@sps.example', bad), b.config, { trusted: false }), A1);
    assert.equal(c.headers.get(PAI), undefined);
    assert.equal(c.headers.get(RPID), undefined);
    assert.equal(c.headers.get('Diversion'), undefined);
    const t = send(b, ctxOf(invite('sip:5001@sps.example', bad, '<sip:1@pgw>;tag=f'), b.config, { trusted: true }), PGW);
    assert.equal(t.headers.get('Diversion'), ';;;');
    const res = buildResponse(invite('sip:5001@sps.example', []), 302, 'Moved', { headers: [['Diversion', '<<garbage']] });
    b.hooks.upstream(ctxOf(invite('sip:5001@sps.example', []), b.config, { trusted: true }), res);
    assert.equal(res.headers.get('Diversion'), '<sip:5001@sps.example>');
  });

  test('DebugFlag Privacy output names what was done', () => {
    const b = bench();
    send(b, ctxOf(invite('sip:5002@sps.example', ['P-Asserted-Identity: <sip:9@evil>']), b.config, { trusted: false, user: '5001' }), A2);
    const text = b.debug.join('\n');
    assert.match(text, /INVITE sip:5002@sps.example \(Call-ID clir@10.0.0.9\): to 10.0.0.2 \(untrusted\)/);
    assert.match(text, /P-Asserted-Identity from an untrusted sender removed/);
    assert.match(text, /P-Asserted-Identity withheld/);
  });
});
