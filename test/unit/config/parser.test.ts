// sipd.conf syntax: comments, quotes, continuation, case, repetition, blocks, and the
// exact error text for malformed lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatMessage, gracefulSnapshot, loadConfigFile, parseConfig, restartPending } from '../../../src/server/config.js';
import type { Config } from '../../../src/config/loader.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

function ok(text: string, opts = {}): Config {
  const r = parseConfig(text, '/srv/sip/conf/t.conf', opts);
  if (!r.ok) assert.fail(r.errors.map(formatMessage).join('\n'));
  return r.config;
}

function errors(text: string): string[] {
  const r = parseConfig(text, 't.conf');
  assert.equal(r.ok, false, 'expected the text to be rejected');
  return r.ok ? [] : r.errors.map(formatMessage);
}

test('an empty file gives every default, ServerRoot from the file location', () => {
  const c = ok('');
  assert.equal(c.serverRoot, '/srv/sip');
  assert.equal(c.values.Port, 5060);
  assert.equal(c.values.LogLevel, 'warn');
  assert.deepEqual(c.values.ErrorLog, { kind: 'file', path: 'logs/error_log' });
  assert.equal(c.path('logs/sipd.pid'), '/srv/sip/logs/sipd.pid');
  assert.equal(c.path('/var/run/x.pid'), '/var/run/x.pid');
});

test('comments, blank lines, case-insensitive names and values', () => {
  const c = ok('# a comment\n\n   # indented comment\nloglevel DEBUG\nMAXFORKS 3\nstatefulserver off\n');
  assert.equal(c.values.LogLevel, 'debug');
  assert.equal(c.values.MaxForks, 3);
  assert.equal(c.values.StatefulServer, false);
});

test('quoted values keep blanks; escaped quotes inside', () => {
  const c = ok('ErrorLog "|bin/rotatelogs logs/error_log 86400"\nLogFormat "%h \\"%r\\" %>s" mine\nCustomLog logs/access_log mine\n');
  assert.deepEqual(c.values.ErrorLog, { kind: 'pipe', command: 'bin/rotatelogs logs/error_log 86400' });
  assert.equal(c.values.LogFormat.mine, '%h "%r" %>s');
  assert.equal(c.values.LogFormat.common, '%h %l %u %t "%r" %>s %b', 'built-in formats remain');
});

test('backslash continues a line, inside and outside quotes; positions stay physical', () => {
  const c = ok('Listen \\\n  127.0.0.1:5070\nErrorLog "|bin/rotatelogs \\\n logs/error_log 60"\n');
  assert.deepEqual(c.values.Listen, [{ host: '127.0.0.1', port: 5070 }]);
  assert.deepEqual(c.values.ErrorLog, { kind: 'pipe', command: 'bin/rotatelogs   logs/error_log 60' });
  assert.deepEqual(errors('MaxForks \\\n   99\n'), ['t.conf:2:4: MaxForks: 99 is out of range; valid: 1 to 6']);
});

test('CRLF line ends are accepted', () => {
  assert.equal(ok('MaxForks 4\r\nLogLevel info\r\n').values.LogLevel, 'info');
});

test('repeated directives accumulate; a single one set twice warns and the last wins', () => {
  const r = parseConfig('Listen 5060\nListen 10.0.0.1:5070\nListen [::1]:5080\nMaxForks 2\nMaxForks 4\n', 't.conf');
  assert.ok(r.ok);
  assert.deepEqual(r.config.values.Listen, [{ port: 5060 }, { host: '10.0.0.1', port: 5070 }, { host: '::1', port: 5080 }]);
  assert.equal(r.config.values.MaxForks, 4);
  assert.deepEqual(r.warnings.map(formatMessage), ['t.conf:5:1: warning: MaxForks is set again (first at line 4); this later value wins']);
});

test('DebugFlag sets one flag per line', () => {
  const c = ok('DebugFlag Parser On\ndebugflag routing on\nDebugFlag Parser Off\nDebugFlag Registry On\n');
  assert.equal(c.values.DebugFlag.Parser, false);
  assert.equal(c.values.DebugFlag.Routing, true);
  assert.equal(c.values.DebugFlag.Registry, true);
  assert.equal(c.values.DebugFlag.StateMachine, false);
});

test('containers: NumberPlan, VirtualProxyHost, RASGatekeeperCluster', () => {
  const c = ok(
    [
      '<NumberPlan Global>',
      '  NumExp 2... +1919392...',
      '</NumberPlan>',
      '<numberplan other>',
      '</NumberPlan>',
      '<VirtualProxyHost 1.1>',
      '  Virtual_Proxy_Domain foo.bar',
      '</VirtualProxyHost>',
      '<RASGatekeeperCluster 2>',
      '  RASGatekeeper gk1.example.com 1719',
      '</RASGatekeeperCluster>',
    ].join('\n'),
  );
  assert.equal(c.values.NumberPlan.length, 2);
  assert.equal(c.values.NumberPlan[0].id, 'Global');
  assert.equal(c.values.NumberPlan[0].NumExp.length, 1);
  assert.equal(c.values.NumberPlan[1].NumExp.length, 0);
  assert.equal(c.values.VirtualProxyHost[0].Virtual_Proxy_Domain, 'foo.bar');
  assert.equal(c.values.VirtualProxyHost[0].Virtual_Proxy_Server_IP, undefined);
  assert.equal(c.values.RASGatekeeperCluster[0].id, '2');
  assert.equal(c.values.RASGatekeeperCluster[0].RASGatekeeper.length, 1);
});

test('the snapshot is immutable', () => {
  const c = ok('Listen 5060\n');
  assert.throws(() => {
    (c.values as unknown as Record<string, unknown>).MaxForks = 1;
  }, TypeError);
  assert.throws(() => {
    (c.values.Listen as unknown as unknown[]).push({ port: 1 });
  }, TypeError);
});

test('-C lines come first, -c lines override the file', () => {
  const r = parseConfig('MaxForks 3\nLogLevel info\n', '/srv/sip/conf/t.conf', { before: ['MaxForks 2', 'AddRecordRoute On'], after: ['LogLevel debug'] });
  assert.ok(r.ok);
  assert.deepEqual(r.warnings, [], 'overrides from the command line are intended, not warned about');
  const c = r.config;
  assert.equal(c.values.MaxForks, 3);
  assert.equal(c.values.AddRecordRoute, true);
  assert.equal(c.values.LogLevel, 'debug');
  assert.deepEqual(c.origin('LogLevel'), { file: '<command line -c>', line: 1 });
  assert.deepEqual(c.origin('MaxForks'), { file: '/srv/sip/conf/t.conf', line: 1 });
});

// Malformed lines: the exact message an administrator sees.
const MALFORMED: [string, string, string[]][] = [
  ['misspelt directive', 'AddRecordRout On', ['t.conf:1:1: unknown directive "AddRecordRout"; did you mean "AddRecordRoute"?']],
  ['letters swapped', 'MaxFroks 3', ['t.conf:1:1: unknown directive "MaxFroks"; did you mean "MaxForks"?']],
  ['unknown directive, nothing close', 'Frobnicate 1', ['t.conf:1:1: unknown directive "Frobnicate"']],
  ['On/Off value', 'StatefulServer yes', ['t.conf:1:16: StatefulServer: "yes" is not valid; valid: On, Off']],
  ['integer out of range', 'MaxForks 9', ['t.conf:1:10: MaxForks: 9 is out of range; valid: 1 to 6']],
  ['not an integer', 'MaxInviteRetxCount five', ['t.conf:1:20: MaxInviteRetxCount: "five" is not an integer; valid: 0 to 6']],
  ['enum value', 'ServerType Proxi', ['t.conf:1:12: ServerType: "Proxi" is not valid; valid: Proxy, Redirect']],
  ['missing value', 'MaxForks', ['t.conf:1:9: MaxForks: takes one value (integer), got 0']],
  ['extra value', 'LogLevel warn debug', ['t.conf:1:15: LogLevel: takes one value (one of emerg, alert, crit, error, warn, notice, info, debug), got 2']],
  ['Listen without port', 'Listen 10.1.2.3', ['t.conf:1:8: Listen: "10.1.2.3" needs a port: write PORT or IP:PORT (an address alone is not accepted); valid: PORT, IP:PORT, [IPv6]:PORT']],
  ['port out of range', 'Listen 70000', ['t.conf:1:8: Listen: 70000 is out of range; valid: 1 to 65535']],
  ['hex without 0x', 'DiffServValue 60', ['t.conf:1:15: DiffServValue: "60" is not a hexadecimal value; write it with 0x, e.g. 0x0; valid: 0x0 to 0xff']],
  ['unknown debug flag', 'DebugFlag Routng On', ['t.conf:1:11: DebugFlag: "Routng" is not valid; valid: StateMachine, Parser, SipTcp, SipTls, Radius, DBMySQL, GKTMP, GktmpAPI, RPMS, Numexpand, Enum, Routing, Registry, Privacy, RAS, RasAPI']],
  ['unterminated quote', 'ErrorLog "|bin/rotatelogs logs/error_log 86400', ['t.conf:1:10: unterminated double quote']],
  ['block never closed', '<NumberPlan Global>\n  NumExp 2... +1919392...', ['t.conf:1:1: <NumberPlan Global> is never closed; add </NumberPlan>']],
  ['mismatched close', '<NumberPlan a>\n</VirtualProxyHost>', ['t.conf:2:1: </VirtualProxyHost> does not match <NumberPlan> opened at line 1; expected </NumberPlan>', 't.conf:1:1: <NumberPlan a> is never closed; add </NumberPlan>']],
  ['close without open', '</NumberPlan>', ['t.conf:1:1: </NumberPlan> closes a block that was never opened']],
  ['child outside its block', 'NumExp 2... +1919392...', ['t.conf:1:1: NumExp is only valid inside a <NumberPlan> block']],
  ['top-level directive in a block', '<NumberPlan a>\nMaxForks 3\n</NumberPlan>', ['t.conf:2:1: MaxForks is not allowed inside <NumberPlan>; put it outside the block']],
  ['nested blocks', '<NumberPlan a>\n<VirtualProxyHost b>\n</NumberPlan>', ['t.conf:2:1: <VirtualProxyHost> cannot be nested inside <NumberPlan> (opened at line 1); close that block first']],
  ['misspelt block', '<NumberPlann x>\n</NumberPlann>', ['t.conf:1:1: unknown block <NumberPlann>; did you mean <NumberPlan>?', 't.conf:2:1: </NumberPlann> closes a block that was never opened']],
  ['block name used as directive', 'NumberPlan Global', ['t.conf:1:1: NumberPlan opens a block: write <NumberPlan id> … </NumberPlan>']],
  ['block without id', '<NumberPlan>\n</NumberPlan>', ['t.conf:1:1: <NumberPlan> takes one id, e.g. <NumberPlan Global>, got 0']],
  ['missing > on block tag', '<NumberPlan Global\n</NumberPlan>', ['t.conf:1:1: block opening tag is missing its closing ">"', 't.conf:2:1: </NumberPlan> closes a block that was never opened']],
  ['cluster priority out of range', '<RASGatekeeperCluster 0>\n</RASGatekeeperCluster>', ['t.conf:1:23: <RASGatekeeperCluster> id "0" must be an integer from 1 to 65535']],
  ['duplicate block id', '<NumberPlan a>\n</NumberPlan>\n<NumberPlan a>\n</NumberPlan>', ['t.conf:3:13: <NumberPlan a> is defined twice (first at line 1)']],
  ['required child missing', '<VirtualProxyHost v1>\nVirtual_Proxy_Server_Name usa.foo.bar\n</VirtualProxyHost>', ['t.conf:1:1: <VirtualProxyHost v1> must set Virtual_Proxy_Domain']],
  ['unknown access-log nickname', 'CustomLog logs/access_log fancy', ['t.conf:1:1: CustomLog: "fancy" is neither a LogFormat nickname nor a format string; known nicknames: combined, common, referer, agent']],
  ['relative ServerRoot', 'ServerRoot usr/local/sip', ['t.conf:1:1: ServerRoot: "usr/local/sip" must be an absolute path']],
  ['maximum provisional wait below the default', 'SipT3InMs 60000\nSipMaxT3InMs 30000', ['t.conf:2:1: SipMaxT3InMs: 30000 is below SipT3InMs (60000); the maximum wait cannot be shorter than the default wait']],
  ['TLS on without certificate', 'SipTlsEnable On\nSipTlsCertificateFile conf/cert.pem', ['t.conf:1:1: SipTlsEnable: TLS is On but SipTlsCertificateKeyFile is not set']],
  ['virtual proxy domain equal to ProxyDomain', 'ProxyDomain foo.bar\n<VirtualProxyHost v>\nVirtual_Proxy_Domain FOO.bar\n</VirtualProxyHost>', ['t.conf:1:1: ProxyDomain: <VirtualProxyHost v> (line 2) uses the same domain "FOO.bar"; a virtual proxy domain must differ from ProxyDomain']],
  ['unknown % code in a LogFormat', 'LogFormat "%h %Q" mine', ['t.conf:1:1: LogFormat: format "mine": unknown format code %Q (known: %h %a %l %u %A %p %P %x %r %m %U %H %i %s %b %B %o %t %T %D %%) at character 4']],
  ['pipe without command', 'ErrorLog "|"', ['t.conf:1:10: ErrorLog: a pipe needs a command after "|"']],
];

for (const [what, text, expected] of MALFORMED) {
  test(`malformed: ${what}`, () => {
    assert.deepEqual(errors(text), expected);
  });
}

test('every error in a file is reported, not only the first', () => {
  const errs = errors('MaxForks 0\nLogLevel loud\nAddRecordRout On\nPort 5060\n');
  assert.equal(errs.length, 3);
  assert.match(errs[0], /^t\.conf:1:/);
  assert.match(errs[1], /^t\.conf:2:/);
  assert.match(errs[2], /^t\.conf:3:/);
});

test('too many VirtualProxyHost blocks (the guide allows 10)', () => {
  const blocks = Array.from({ length: 11 }, (_, i) => `<VirtualProxyHost v${i}>\nVirtual_Proxy_Domain d${i}.example.com\n</VirtualProxyHost>`).join('\n');
  assert.deepEqual(errors(blocks), ['t.conf:31:1: too many <VirtualProxyHost> blocks: at most 10 are allowed']);
});

test('a gatekeeper cluster holds at most five gatekeepers', () => {
  const gks = Array.from({ length: 6 }, (_, i) => `RASGatekeeper gk${i}.example.com 1719`).join('\n');
  const errs = errors(`<RASGatekeeperCluster 1>\n${gks}\n</RASGatekeeperCluster>`);
  assert.equal(errs.length, 1);
  assert.match(errs[0], /^t\.conf:7:\d+: RASGatekeeper: .*5/);
});

test('an unreadable file is an error, not a crash', () => {
  const r = loadConfigFile('/nonexistent/sipd.conf');
  assert.equal(r.ok, false);
  if (!r.ok) assert.deepEqual(r.errors.map(formatMessage), ['/nonexistent/sipd.conf:0:0: cannot read the file: ENOENT']);
});

test('every configuration fragment printed in the guide parses as written', () => {
  const dir = path.join(root, 'test/fixtures/guide');
  const files = readdirSync(dir).filter((f) => f.endsWith('.conf'));
  assert.ok(files.length >= 12);
  for (const f of files) {
    const r = loadConfigFile(path.join(dir, f));
    assert.ok(r.ok, `${f}: ${r.ok ? '' : r.errors.map(formatMessage).join('; ')}`);
  }
  const np = loadConfigFile(path.join(dir, 'numberplan.conf'));
  assert.ok(np.ok && np.config.values.NumberPlan[0].NumExp.length === 3);
  const ras = loadConfigFile(path.join(dir, 'ras.conf'));
  assert.ok(ras.ok && ras.config.values.RASGatekeeperCluster.length === 2 && ras.config.values.RASTechPrefix.length === 2);
});

test('graceful: directives needing a full restart keep their running value', () => {
  const running = ok('Port 5060\nLogLevel warn\nStatefulServer On\n');
  const next = ok('Port 5070\nLogLevel debug\nStatefulServer Off\n');
  assert.deepEqual(restartPending(running, next).sort(), ['Port', 'StatefulServer']);
  const { config, pending } = gracefulSnapshot(running, next);
  assert.deepEqual(pending.sort(), ['Port', 'StatefulServer']);
  assert.equal(config.values.LogLevel, 'debug');
  assert.equal(config.values.Port, 5060);
  assert.equal(config.values.StatefulServer, true);
  assert.deepEqual(restartPending(running, ok('Port 5060\nLogLevel info\n')), []);
});

test('the shipped conf/sipd.conf parses cleanly', () => {
  const r = loadConfigFile(path.join(root, 'conf/sipd.conf'));
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatMessage).join('\n'));
  assert.deepEqual(r.warnings, []);
  assert.ok(readFileSync(path.join(root, 'conf/sipd.conf'), 'utf8').length > 10000);
});
