// Ch. 2 "How to Import and Export Bulk Routing and Registry Data", routes: the CSV format,
// each class of error the guide lists (syntax, semantic, overflow) with its line, and
// imports that write all or nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ROUTE_COLUMNS,
  checkRoutePattern,
  formatRouteCsv,
  importRoutes,
  parseRouteCsv,
  readCsvRecords,
} from '../../../src/modules/routing/csv.js';
import type { CsvError } from '../../../src/modules/routing/csv.js';
import { routeKey } from '../../../src/stores/route-store.js';
import type { Route, RouteStore, RouteType } from '../../../src/stores/route-store.js';

function routes(text: string, limit?: number): readonly Route[] {
  const r = parseRouteCsv(text, { limit });
  if (!r.ok) assert.fail(r.errors.map((e) => `${e.line}: ${e.message}`).join('\n'));
  return r.entries;
}

function errors(text: string, limit?: number): readonly CsvError[] {
  const r = parseRouteCsv(text, { limit });
  assert.equal(r.ok, false, 'expected errors');
  return r.ok ? [] : r.errors;
}

/** A table in memory with the RouteStore contract's batch semantics, to import into. */
class MemoryRouteStore implements RouteStore {
  readonly map = new Map<string, Route>();
  puts = 0;
  match(): readonly (readonly Route[])[] {
    return [];
  }
  all(): readonly Route[] {
    return [...this.map.values()];
  }
  size(): number {
    return this.map.size;
  }
  async put(rs: readonly Route[]): Promise<void> {
    this.puts++;
    for (const r of rs) this.map.set(routeKey(r), r);
  }
  async remove(keys: readonly string[]): Promise<number> {
    let n = 0;
    for (const k of keys) if (this.map.delete(k)) n++;
    return n;
  }
  async replaceAll(rs: readonly Route[]): Promise<void> {
    this.map.clear();
    await this.put(rs);
  }
  async close(): Promise<void> {}
}

test('a full line in the documented column order', () => {
  const [r] = routes('+1408.......,phone,gw1.example.com,5060,TCP,2,10,001#,strip,yes,no,yes,San Jose gateway\n');
  assert.deepEqual(r, {
    pattern: '+1408.......',
    type: 'phone',
    nextHop: 'gw1.example.com',
    port: 5060,
    transport: 'TCP',
    priority: 2,
    weight: 10,
    techPrefix: '001#',
    techPrefixAction: 'strip',
    allowLessSpecific: true,
    block: false,
    inService: true,
    label: 'San Jose gateway',
  });
});

test('trailing columns may be left out and take their defaults', () => {
  const [r] = routes('9*,phone,10.1.1.1\n');
  assert.equal(r.port, 0);
  assert.equal(r.transport, 'UDP');
  assert.equal(r.techPrefixAction, 'include');
  assert.equal(r.inService, true);
  assert.equal(r.block, false);
  assert.equal(r.label, '');
});

test('a header line names the columns in any order; comments and blank lines are skipped', () => {
  const rs = routes(['# routes for the lab', '', 'type,nextHop,pattern,label', 'ip,proxy.ibm.com,.ibm.com,"IBM, all sites"', '# done', ''].join('\r\n'));
  assert.equal(rs.length, 1);
  assert.equal(rs[0].pattern, '.ibm.com');
  assert.equal(rs[0].type, 'ip');
  assert.equal(rs[0].label, 'IBM, all sites');
});

test('RFC 4180 quoting: commas, doubled quotes and line breaks inside quotes', () => {
  const { records, errors: e } = readCsvRecords('a,"b,c","say ""hi""","two\nlines"\nnext,1\n');
  assert.deepEqual(e, []);
  assert.deepEqual(records, [
    { line: 1, fields: ['a', 'b,c', 'say "hi"', 'two\nlines'] },
    { line: 3, fields: ['next', '1'] },
  ]);
});

test('the guide\'s route patterns are accepted; others are refused with what is valid', () => {
  const ok: [string, RouteType][] = [
    ['+1408.......', 'phone'],
    ['9*', 'phone'],
    ['9..', 'phone'],
    ['\\*69', 'phone'],
    ['*', 'phone'],
    ['.com.ibm.*', 'ip'],
    ['.ibm.com', 'ip'],
    ['foo.com', 'ip'],
    ['*.ibm.com', 'ip'],
  ];
  for (const [p, t] of ok) assert.equal(checkRoutePattern(p, t), undefined, p);
  for (const [p, t] of [
    ['9x1', 'phone'],
    ['1+408', 'phone'],
    ['9*1', 'phone'],
    ['bad host', 'ip'],
    ['a..b', 'ip'],
    ['10.1.1.1', 'ip'],
  ] as [string, RouteType][]) {
    assert.match(checkRoutePattern(p, t) ?? 'accepted', /pattern "/, p);
  }
});

test('syntax errors: quotes and field counts, each with its line', () => {
  const e = errors(
    [
      '9*,phone,gw.example.com', // 1 fine
      '9*,phone,gw2.example.com,5060,UDP,1,1,,include,no,no,yes,lab,extra', // 2 too many
      '9*,phone', // 3 too few
      '8*,phone,gw"3.example.com', // 4 quote inside an unquoted field
      '7*,phone,"gw4.example.com"x', // 5 text after the closing quote
      '6*,phone,"gw5.example.com', // 6 never closed (runs to the end)
      '5*,phone,gw6.example.com',
    ].join('\n'),
  );
  assert.deepEqual(
    e.map((x) => x.line),
    [2, 3, 4, 5, 6],
  );
  assert.match(e[0].message, /too many fields: 14, at most 13/);
  assert.match(e[1].message, /too few fields: 2, at least 3 \(pattern,type,nextHop\)/);
  assert.match(e[2].message, /quote inside an unquoted field/);
  assert.match(e[3].message, /text after the closing quote/);
  assert.match(e[4].message, /never closed/);
});

test('semantic errors: ranges, numbers, words and patterns, each with its line', () => {
  const e = errors(
    [
      'pattern,type,nextHop,port,transport,priority,weight,techPrefix,techPrefixAction,allowLessSpecific,block,inService,label',
      '+1408.......,phone,gw.example.com,70000', // 2 port out of range
      '+1408.......,phone,gw.example.com,five', // 3 not a number
      '+1408.......,phone,gw.example.com,5060,SCTP', // 4 transport
      '+1408.......,phone,gw.example.com,5060,UDP,1,-1', // 5 negative weight
      '+1408.......,phone,gw.example.com,5060,UDP,1,1,12345#', // 6 tech prefix
      '+1408.......,phone,gw.example.com,5060,UDP,1,1,,keep', // 7 action
      '+1408.......,phone,gw.example.com,5060,UDP,1,1,,include,maybe', // 8 flag
      '+14O8.......,phone,gw.example.com', // 9 letter O in the pattern
      '+1408.......,voice,gw.example.com', // 10 type
      '+1408.......,phone,gw_bad host', // 11 next hop
      '+1408.......,phone,', // 12 empty next hop, not blocked
      '+1408.......,phone,gw.example.com', // 13 fine
      '+1408.......,phone,gw.example.com', // 14 duplicate of 13
    ].join('\n'),
  );
  const byLine = new Map(e.map((x) => [x.line, x.message]));
  assert.deepEqual([...byLine.keys()], [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14]);
  assert.match(byLine.get(2)!, /port: 70000 is out of range; valid: 0 to 65535/);
  assert.match(byLine.get(3)!, /port: "five" is not a number/);
  assert.match(byLine.get(4)!, /transport: "SCTP" is not valid; valid: UDP, TCP, TLS/);
  assert.match(byLine.get(5)!, /weight: "-1" is not a number; valid: 0 to 65535/);
  assert.match(byLine.get(6)!, /techPrefix: "12345#"/);
  assert.match(byLine.get(7)!, /techPrefixAction: "keep" is not valid; valid: include, strip/);
  assert.match(byLine.get(8)!, /allowLessSpecific: "maybe" is not valid; valid: yes, no/);
  assert.match(byLine.get(9)!, /number pattern "\+14O8.......": "O" \(position 4\) is not allowed; valid are digits/);
  assert.match(byLine.get(10)!, /type: "voice" is not valid; valid: phone .*ip/);
  assert.match(byLine.get(11)!, /nextHop: "gw_bad host" is not a host name or IP address/);
  assert.match(byLine.get(12)!, /nextHop is empty/);
  assert.match(byLine.get(14)!, /same route .* as line 13/);
});

test('a blocked route may leave the next hop empty', () => {
  const [r] = routes('1900.......,phone,,0,UDP,1,1,,include,no,yes,yes,premium numbers blocked\n');
  assert.equal(r.block, true);
  assert.equal(r.nextHop, '');
});

test('header errors: unknown, repeated and missing required columns', () => {
  assert.match(errors('pattern,type,nexthop,colour\n9*,phone,gw,red\n')[0].message, /unknown column "colour"/);
  assert.match(errors('pattern,type,type,nextHop\n')[0].message, /column type appears twice/);
  assert.match(errors('pattern,type,label\n')[0].message, /required column nextHop missing/);
  // With a header a line needs every field up to the last required column.
  const e = errors('nextHop,label,pattern,type\ngw.example.com,lab,9*\n');
  assert.deepEqual(e[0], { line: 2, message: 'too few fields: 3, at least 4 (nextHop,label,pattern,type)' });
  assert.equal(routes('pattern,type,nextHop,label,port\n9*,phone,gw.example.com\n')[0].port, 0);
});

test('overflow: more routes than the table holds is an error at the first one too many', () => {
  const text = ['1,phone,gw.example.com', '2,phone,gw.example.com', '3,phone,gw.example.com'].join('\n');
  const e = errors(text, 2);
  assert.deepEqual(e, [{ line: 3, message: 'route database overflow: more than 2 routes' }]);
  assert.equal(routes(text, 3).length, 3);
});

test('export then import gives the same routes (round trip), awkward text included', () => {
  const original: Route[] = [
    { pattern: '+1408.......', type: 'phone', nextHop: 'gw1.example.com', port: 5060, transport: 'TCP', priority: 1, weight: 60, techPrefix: '', techPrefixAction: 'include', allowLessSpecific: true, block: false, inService: true, label: 'SJ, "north"' },
    { pattern: '\\*69', type: 'phone', nextHop: '2001:db8::5', port: 0, transport: 'UDP', priority: 65535, weight: 0, techPrefix: '99#', techPrefixAction: 'strip', allowLessSpecific: false, block: false, inService: false, label: 'two\nlines' },
    { pattern: '9*', type: 'phone', nextHop: 'gw9.example.com', port: 5060, transport: 'UDP', priority: 1, weight: 1, techPrefix: '', techPrefixAction: 'include', allowLessSpecific: false, block: false, inService: true, label: '# not a comment' },
    { pattern: '.com.ibm.*', type: 'ip', nextHop: '10.1.1.1', port: 5061, transport: 'TLS', priority: 3, weight: 1, techPrefix: '', techPrefixAction: 'include', allowLessSpecific: false, block: true, inService: true, label: '' },
  ];
  const text = formatRouteCsv(original);
  assert.equal(text.split('\n')[0], ROUTE_COLUMNS.join(','));
  assert.deepEqual(routes(text), original);
  // Without the header too.
  assert.deepEqual(routes(formatRouteCsv(original, { header: false })), original);
});

test('import writes all routes in one batch, or none when the table would overflow', async () => {
  const store = new MemoryRouteStore();
  const first = routes('1,phone,a.example.com\n2,phone,b.example.com\n');
  assert.deepEqual(await importRoutes(store, first, 3), { added: 2, replaced: 0 });
  assert.equal(store.puts, 1);
  // Replacing one (same key) and adding one fits in 3.
  const second = routes('1,phone,a.example.com,0,TCP\n3,phone,c.example.com\n');
  assert.deepEqual(await importRoutes(store, second, 3), { added: 1, replaced: 1 });
  assert.equal(store.map.get(routeKey(second[0]))!.transport, 'TCP');
  // Two new routes do not fit: nothing is written.
  const third = routes('4,phone,d.example.com\n5,phone,e.example.com\n');
  await assert.rejects(importRoutes(store, third, 4), /overflow: 3 routes held plus 2 new would exceed the limit of 4; nothing was imported/);
  assert.equal(store.size(), 3);
  assert.equal(store.puts, 2);
});
