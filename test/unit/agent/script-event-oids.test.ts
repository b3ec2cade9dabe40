// Every numeric OID the Script and Event MIB modules use, checked against our MIB files
// with Net-SNMP's snmptranslate (Debian package "snmp"): a wrong arc would serve the
// right values at the wrong place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { REPO, requireTool, run } from '../../helpers/index.js';
import { SCRIPT_MIB_OIDS } from '../../../src/agent/mibs/script/index.js';
import { EVENT_MIB_OIDS } from '../../../src/agent/mibs/event/index.js';
import { EVENT_OIDS } from '../../../src/agent/mibs/event/engine.js';
import { SCRIPT_OIDS } from '../../../src/agent/mibs/script/types.js';

test('the Script and Event MIB OIDs in the code are the ones in mibs/DISMAN-SCRIPT-MIB and mibs/DISMAN-EVENT-MIB', async () => {
  const bin = requireTool('snmptranslate', 'snmp');
  const expected: Record<string, string> = { ...SCRIPT_MIB_OIDS, ...EVENT_MIB_OIDS, ...EVENT_OIDS, ...SCRIPT_OIDS };
  const names = Object.keys(expected);
  const mibs = `${path.join(REPO, 'mibs')}:${path.join(REPO, 'mibs', 'base')}`;
  const r = await run(bin, ['-M', mibs, '-m', 'ALL', '-On', '-IR', ...names], 30_000);
  const got = r.stdout.split('\n').filter((l) => l.trim() !== ''); // a blank line between answers
  assert.equal(got.length, names.length, r.stderr);
  names.forEach((n, i) => {
    assert.equal(got[i], `.${expected[n]}`, n);
  });
});
