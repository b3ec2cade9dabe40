// Date formats of the log files. The zone is fixed so the UTC offset is known.
process.env.TZ = 'America/Los_Angeles';

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accessLogDate, errorLogDate, strftime, utcOffset } from '../../../src/logging/time.js';

test('error_log date: weekday, month, zero-padded day, time, year', () => {
  assert.equal(errorLogDate(new Date(2001, 3, 20, 21, 44, 51)), 'Fri Apr 20 21:44:51 2001');
  assert.equal(errorLogDate(new Date(2001, 3, 6, 1, 2, 3)), 'Fri Apr 06 01:02:03 2001');
  // Same second twice (cached) and then another second.
  assert.equal(errorLogDate(new Date(2001, 3, 6, 1, 2, 3, 900)), 'Fri Apr 06 01:02:03 2001');
  assert.equal(errorLogDate(new Date(2001, 3, 6, 1, 2, 4)), 'Fri Apr 06 01:02:04 2001');
});

test('access_log date with the local offset', () => {
  assert.equal(accessLogDate(new Date(2000, 9, 10, 13, 55, 36)), '10/Oct/2000:13:55:36 -0700');
  assert.equal(accessLogDate(new Date(2000, 0, 5, 3, 4, 5)), '05/Jan/2000:03:04:05 -0800');
  assert.equal(utcOffset(new Date(2000, 0, 5)), '-0800');
});

test('strftime conversions', () => {
  const d = new Date(2024, 1, 29, 15, 7, 9);
  assert.equal(strftime('%Y-%m-%d %H:%M:%S', d), '2024-02-29 15:07:09');
  assert.equal(strftime('%a %A %b %B %e %j %I %p %y %z %%', d), 'Thu Thursday Feb February 29 060 03 PM 24 -0800 %');
  assert.equal(strftime('%F %T %s', d), `2024-02-29 15:07:09 ${Math.floor(d.getTime() / 1000)}`);
  assert.equal(strftime('%Q stays', d), '%Q stays');
});
