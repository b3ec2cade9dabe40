// Appendix B "Configuring Number Expansion": NumExp rules, visual separators, and the
// CompanyA/CompanyB dialling plan of ch. 1 "Registrar Server for Multiple Domains".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMessage, parseConfig } from '../../../src/server/config.js';
import type { Config } from '../../../src/config/loader.js';
import { NumberExpander, compilePlan, matchingRule } from '../../../src/modules/numexp/expand.js';

function conf(...lines: string[]): Config {
  const r = parseConfig(lines.join('\n') + '\n', '/srv/sip/conf/sipd.conf');
  if (!r.ok) assert.fail(r.errors.map(formatMessage).join('\n'));
  return r.config;
}

const plan = (...rules: string[]) => ['<NumberPlan Global>', ...rules.map((r) => `  NumExp ${r}`), '</NumberPlan>'];

test('B-24 example plan: 2... +1919392..., 7... +1408527..., 8... 5555...', () => {
  const c = conf(...plan('2... +1919392...', '7... +1408527...', '8... 5555...'));
  const x = new NumberExpander();
  assert.equal(x.expand('2001', c), '+1919392001');
  assert.equal(x.expand('7123', c), '+1408527123');
  assert.equal(x.expand('8456', c), '5555456');
  // Other lengths and first digits are not touched.
  assert.equal(x.expand('20011', c), '20011');
  assert.equal(x.expand('3001', c), '3001');
  assert.equal(x.expand('200', c), '200');
});

test('GUI example: 5.... expands to +1303555...., +1888555.... strips to ....', () => {
  const c = conf(...plan('5.... +1303555....', '+1888555.... ....'));
  const x = new NumberExpander();
  assert.equal(x.expand('50122', c), '+13035550122');
  assert.equal(x.expand('+18885551234', c), '1234');
  assert.equal(x.expand('+18885561234', c), '+18885561234');
  assert.equal(x.expand('60122', c), '60122');
});

test('a . matches one digit only, never a letter, *, # or +', () => {
  const c = conf(...plan('5.... +1303555....'));
  const x = new NumberExpander();
  for (const u of ['5012a', '5*122', '5#122', '5+122']) {
    // None of these is numeric with the default set or matches; each comes back unchanged.
    assert.equal(x.expand(u, c), u);
  }
});

test('the first matching rule wins, across every NumberPlan block in file order', () => {
  const c = conf(...plan('5.... +1303555....'), '<NumberPlan Second>', '  NumExp 5.... +1999555....', '  NumExp 6.... +1720666....', '</NumberPlan>');
  const x = new NumberExpander();
  assert.equal(x.expand('51234', c), '+13035551234');
  assert.equal(x.expand('61234', c), '+17206661234');
  assert.deepEqual(matchingRule(x.plan(c), '51234'), { from: '5....', to: '+1303555....' });
  assert.equal(compilePlan(c).ruleCount, 3);
});

test('extra wildcards on the left drop leading digits', () => {
  // 9 + seven digits dialled for an outside line: keep the last four after the local prefix.
  const c = conf(...plan('9....... +1408555....'));
  assert.equal(new NumberExpander().expand('95551234', c), '+14085551234');
});

test('*, # and a leading + are literal characters of a pattern', () => {
  const c = conf('NumericUsernameCharacterSet +0123456789.-()*#', ...plan('*6. +1800555006.', '#.. 0..'));
  const x = new NumberExpander();
  assert.equal(x.expand('*69', c), '+18005550069');
  assert.equal(x.expand('#12', c), '012');
  assert.equal(x.expand('x69', c), 'x69');
});

test('visual separators . - ( ) are removed from numeric users before the rules apply', () => {
  const c = conf(...plan('5.... +1303555....'));
  const x = new NumberExpander();
  assert.equal(x.expand('(303)555-0122', c), '3035550122');
  assert.equal(x.expand('408.902.3126', c), '4089023126');
  assert.equal(x.expand('+1-408-902-3126', c), '+14089023126');
  assert.equal(x.expand('5-0122', c), '+13035550122');
  // Nothing but separators is left as written.
  assert.equal(x.expand('--', c), '--');
});

test('non-numeric users are untouched, separators included', () => {
  const c = conf(...plan('5.... +1303555....'));
  const x = new NumberExpander();
  for (const u of ['alice', 'john.doe', 'bob-smith', '5012b', 'a(1)', '', '50 122']) assert.equal(x.expand(u, c), u);
});

test('NumericUsernameCharacterSet decides what is numeric', () => {
  // Without the separators in the set, a dotted number is a user name and stays as written.
  const c = conf('NumericUsernameCharacterSet +0123456789', ...plan('5.... +1303555....'));
  const x = new NumberExpander();
  assert.equal(x.expand('408.902.3126', c), '408.902.3126');
  assert.equal(x.expand('50122', c), '+13035550122');
});

test('user parameters are kept and not looked at', () => {
  const c = conf(...plan('5.... +1303555....'));
  const x = new NumberExpander();
  assert.equal(x.expand('50122;phone-context=example.com', c), '+13035550122;phone-context=example.com');
  assert.equal(x.expand('5-0122;isub=1', c), '+13035550122;isub=1');
});

test('Cisco_Numexpand Off: separators still go, rules do not apply', () => {
  const c = conf('Cisco_Numexpand Off', ...plan('5.... +1303555....'));
  const x = new NumberExpander();
  assert.equal(x.expand('50122', c), '50122');
  assert.equal(x.expand('5-0122', c), '50122');
});

test('no NumberPlan: numbers pass unchanged', () => {
  const c = conf('');
  assert.equal(new NumberExpander().expand('50122', c), '50122');
});

test('each snapshot is compiled once and a new snapshot gets its own rules', () => {
  const x = new NumberExpander();
  const a = conf(...plan('5.... +1303555....'));
  const b = conf(...plan('5.... +1720555....'));
  assert.equal(x.plan(a), x.plan(a));
  assert.equal(x.expand('50122', a), '+13035550122');
  assert.equal(x.expand('50122', b), '+17205550122');
});

// Ch. 1 "Registrar Server for Multiple Domains": the phones of each company expand what
// their users dial ([3] 8xxx to the company's DID, [4] [2-9]xxxxxx to +1408xxxxxxx,
// [5] 1xxxxxxxxxx to +1xxxxxxxxxx). The same plans written as NumExp rules give the
// URIs of the table's rows; 2xxx extensions ([1]) stay private to each domain.
const sevenDigit = ['2', '3', '4', '5', '6', '7', '8', '9'].map((d) => `${d}...... +1408${d}......`);
const companyA = conf(...plan('8... +14085558...', ...sevenDigit, '1.......... +1..........'));
const companyB = conf(...plan('8... +14086668...', ...sevenDigit, '1.......... +1..........'));

const rows: [string, Config, string, string][] = [
  ['1. 2001 at CompanyA calls 2000 at CompanyA', companyA, '2000', '2000'],
  ['1. 2001 at CompanyB calls 2000 at CompanyB', companyB, '2000', '2000'],
  ['3. 2001 at CompanyA calls 8000 at CompanyA', companyA, '8000', '+14085558000'],
  ['3. 2001 at CompanyA calls 8000 at CompanyB', companyA, '6668000', '+14086668000'],
  ['3. 2001 at CompanyB calls 8000 at CompanyB', companyB, '8000', '+14086668000'],
  ['3. 2001 at CompanyB calls 8000 at CompanyA', companyB, '5558000', '+14085558000'],
  ['4. 8001 at CompanyA calls 8000 at CompanyA', companyA, '8000', '+14085558000'],
  ['4. 8001 at CompanyB calls 8000 at CompanyA', companyB, '555-8000', '+14085558000'],
  ['5. 2000 at CompanyA calls 18183635839', companyA, '18183635839', '+18183635839'],
  ['5. 8000 at CompanyB calls 18183635839', companyB, '1 (818) 363-5839'.replace(/ /g, ''), '+18183635839'],
];
for (const [name, c, dialled, expected] of rows) {
  test(`ch.1 table, ${name}: ${dialled} -> ${expected}`, () => {
    assert.equal(new NumberExpander().expand(dialled, c), expected);
  });
}

test('ch.1 table: registrations 8xxx at each company become that company\'s DID', () => {
  const x = new NumberExpander();
  assert.equal(x.expand('8123', companyA), '+14085558123');
  assert.equal(x.expand('8123', companyB), '+14086668123');
  assert.equal(x.expand('2123', companyA), '2123');
});

test('DebugFlag Numexpand: each expansion that changed a user part is logged with its rule', () => {
  const lines: string[] = [];
  const x = new NumberExpander({ debug: (m) => lines.push(m) });
  const off = conf(...plan('5.... +1303555....'));
  assert.equal(x.expand('50122', off), '+13035550122');
  assert.deepEqual(lines, [], 'nothing with the flag Off');
  const on = conf('DebugFlag Numexpand On', ...plan('5.... +1303555....'));
  assert.equal(x.expand('50122', on), '+13035550122');
  assert.equal(x.expand('60122', on), '60122');
  assert.equal(x.expand('alice', on), 'alice');
  assert.equal(x.expand('408-555-0122', on), '4085550122');
  assert.deepEqual(lines, [
    'numexp: 50122 -> +13035550122 (NumExp 5.... +1303555....)',
    'numexp: 408-555-0122 -> 4085550122 (visual separators removed, no NumExp rule matched)',
  ]);
});
