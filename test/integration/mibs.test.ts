// The MIB module files in mibs/: every module must pass libsmi's checker (smilint) and
// net-snmp's parser (snmptranslate) must resolve a sample of names to the intended OIDs.
//
// smilint policy: each file is checked with `-l 3` (errors, severity 0-2, plus the
// severity-3 problems that make a module unusable in practice) and `-s` so lines carry
// their severity.  Any reported line fails the test.  Severity 4-6 warnings (style,
// "uncontrolled MODULE-IDENTITY registration", INTEGER vs Integer32 in copies of IETF
// modules that use it themselves, ...) are not reported at that level and are accepted.
// The one exception is the SNMPv2-SMI stand-in: libsmi reports the base-type definitions
// of that module itself (range-bounds, range-exchanged) for any copy of it, so those two
// error names are ignored for that file only.
//
// Both tools are required: if either is missing the test fails, naming the Debian
// package to install (smitools for smilint, snmp for snmptranslate).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO } from '../helpers/paths.js';

const MIBS = path.join(REPO, 'mibs');
// Stand-ins for the base modules Debian does not ship, kept apart so that `-M +mibs`
// never shadows a system's real SNMPv2-SMI or IF-MIB.
const BASE = path.join(MIBS, 'base');
const SEARCH = `${MIBS}:${BASE}`;
const TIMEOUT = 60_000;

/** Module files of one directory: everything except documentation and hidden files. */
function filesIn(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => !f.startsWith('.') && !f.endsWith('.md'))
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .sort();
}
/** Every module file, as a path. */
function moduleFiles(): string[] {
  return [...filesIn(MIBS).map((f) => path.join(MIBS, f)), ...filesIn(BASE).map((f) => path.join(BASE, f))];
}

function requireTool(cmd: string, args: string[], pkg: string): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: TIMEOUT });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    assert.fail(`${cmd} is not installed: install the Debian package ${pkg} (apt-get install ${pkg})`);
  }
  assert.ifError(r.error);
}

// Per-file ignores (see the header comment).
const IGNORE: Record<string, string[]> = {
  'SNMPv2-SMI': ['range-bounds', 'range-exchanged'],
};

test('mibs/ holds the expected modules, one per file, named after the module', () => {
  const files = moduleFiles().map((p) => path.basename(p));
  for (const m of [
    'OPENSPS-SMI',
    'CRITAPP-MIB',
    'LOG-MIB',
    'OPENSPS-NOTIFY-MIB',
    'OPENSPS-FARM-MIB',
    'HOST-RESOURCES-MIB',
    'HOST-RESOURCES-TYPES',
    'DISMAN-SCRIPT-MIB',
    'DISMAN-EVENT-MIB',
    'SYSAPPL-MIB',
    'IANA-LANGUAGE-MIB',
    'SIP-TC-MIB',
    'SIP-COMMON-MIB',
    'SIP-SERVER-MIB',
    'NETWORK-SERVICES-MIB',
    'INET-ADDRESS-MIB',
    'OPENSPS-SIP-MIB',
  ]) {
    assert.ok(files.includes(m), `mibs/${m} is missing`);
  }
  for (const p of moduleFiles()) {
    const f = path.basename(p);
    const text = fs.readFileSync(p, 'utf8');
    const first = text.replace(/^(\s*--[^\n]*\n|\s*\n)*/, '').match(/^\s*([A-Za-z][-A-Za-z0-9]*)\s+DEFINITIONS\s*::=\s*BEGIN/);
    assert.ok(first, `mibs/${f} does not start with a module header`);
    assert.equal(first[1], f, `mibs/${f} defines module ${first[1]}`);
  }
});

test('smilint -l 3 reports nothing for any module in mibs/', () => {
  requireTool('smilint', ['-V'], 'smitools');
  const problems: string[] = [];
  for (const p of moduleFiles()) {
    const f = path.basename(p);
    const args = ['-s', '-m', '-l', '3'];
    for (const name of IGNORE[f] ?? []) args.push('-i', name);
    args.push(p);
    // SMIPATH without a leading/trailing ':' replaces libsmi's search path, so imports
    // resolve to the modules in mibs/ only, whatever else is installed.
    const r = spawnSync('smilint', args, {
      encoding: 'utf8',
      timeout: TIMEOUT,
      env: { ...process.env, SMIPATH: SEARCH },
    });
    assert.ifError(r.error);
    const out = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.trim() !== '');
    problems.push(...out.map((l) => `${f}: ${l}`));
  }
  assert.deepEqual(problems, [], `smilint problems:\n${problems.join('\n')}`);
});

// name (module-qualified) -> numeric OID
const EXPECTED: Record<string, string> = {
  'OPENSPS-SMI::openSps': '.1.3.6.1.4.1.32473',
  'CRITAPP-MIB::critAppProcEntry': '.1.3.6.1.4.1.32473.1.1.1.1.1',
  'CRITAPP-MIB::critAppAdminStatus': '.1.3.6.1.4.1.32473.1.1.1.1.1.5',
  'CRITAPP-MIB::critAppOperStatus': '.1.3.6.1.4.1.32473.1.1.1.1.1.11',
  'CRITAPP-MIB::critAppStartCommand': '.1.3.6.1.4.1.32473.1.1.1.1.1.3',
  'CRITAPP-MIB::critAppTerminateCommand': '.1.3.6.1.4.1.32473.1.1.1.1.1.4',
  'CRITAPP-MIB::critAppTrapWhenNotAllRunning': '.1.3.6.1.4.1.32473.1.1.1.2',
  'CRITAPP-MIB::critAppTrapWhenAllRunning': '.1.3.6.1.4.1.32473.1.1.1.3',
  'CRITAPP-MIB::critAppProcExited': '.1.3.6.1.4.1.32473.1.1.0.2',
  'LOG-MIB::siLogGlobalPollInterval': '.1.3.6.1.4.1.32473.1.2.1.1',
  'LOG-MIB::siLogSize': '.1.3.6.1.4.1.32473.1.2.1.2.1.10',
  'LOG-MIB::siLogMaxSizeReached': '.1.3.6.1.4.1.32473.1.2.0.2',
  'OPENSPS-NOTIFY-MIB::openSpsInformsSent': '.1.3.6.1.4.1.32473.1.4.1.1',
  'OPENSPS-NOTIFY-MIB::openSpsInformsUnacknowledged': '.1.3.6.1.4.1.32473.1.4.1.3',
  'OPENSPS-FARM-MIB::openSpsFarmPartitionState': '.1.3.6.1.4.1.32473.1.5.1.9',
  'OPENSPS-FARM-MIB::openSpsFarmTableMismatch': '.1.3.6.1.4.1.32473.1.5.1.10.1.5',
  'OPENSPS-FARM-MIB::openSpsFarmCheckOutcomeChange': '.1.3.6.1.4.1.32473.1.5.0.1',
  'DISMAN-SCRIPT-MIB::smLaunchStart': '.1.3.6.1.2.1.64.1.4.1.1.10',
  // not IMPLIED: both string indexes are length-prefixed
  'DISMAN-SCRIPT-MIB::smLaunchStart."C"."D"': '.1.3.6.1.2.1.64.1.4.1.1.10.1.67.1.68',
  'DISMAN-SCRIPT-MIB::smRunState': '.1.3.6.1.2.1.64.1.4.2.1.10',
  'DISMAN-SCRIPT-MIB::smScriptAbort': '.1.3.6.1.2.1.64.2.0.1',
  'IANA-LANGUAGE-MIB::ianaLangPerl': '.1.3.6.1.2.1.73.3',
  'HOST-RESOURCES-MIB::hrProcessorLoad': '.1.3.6.1.2.1.25.3.3.1.2',
  'HOST-RESOURCES-MIB::hrSWRunStatus': '.1.3.6.1.2.1.25.4.2.1.7',
  'HOST-RESOURCES-MIB::hrSWRunPerfMem': '.1.3.6.1.2.1.25.5.1.1.2',
  'HOST-RESOURCES-MIB::hrStorageUsed': '.1.3.6.1.2.1.25.2.3.1.6',
  'HOST-RESOURCES-TYPES::hrStorageFixedDisk': '.1.3.6.1.2.1.25.2.1.4',
  'HOST-RESOURCES-TYPES::hrDeviceProcessor': '.1.3.6.1.2.1.25.3.1.3',
  'DISMAN-EVENT-MIB::mteTriggerRising': '.1.3.6.1.2.1.88.2.0.2',
  'DISMAN-EVENT-MIB::mteTriggerFalling': '.1.3.6.1.2.1.88.2.0.3',
  'DISMAN-EVENT-MIB::mteHotValue': '.1.3.6.1.2.1.88.2.1.5',
  'DISMAN-EVENT-MIB::mteTriggerThresholdRising': '.1.3.6.1.2.1.88.1.2.6.1.2',
  // owner length-prefixed, trigger name IMPLIED
  'DISMAN-EVENT-MIB::mteTriggerEnabled."A".\'BC\'': '.1.3.6.1.2.1.88.1.2.2.1.14.1.65.66.67',
  'SYSAPPL-MIB::sysApplInstallPkgProductName': '.1.3.6.1.2.1.54.1.1.1.1.3',
  'SYSAPPL-MIB::sysApplRunCurrentState': '.1.3.6.1.2.1.54.1.2.1.1.3',
  'SIP-TC-MIB::sipTC': '.1.3.6.1.2.1.148',
  'INET-ADDRESS-MIB::inetAddressMIB': '.1.3.6.1.2.1.76',
  'NETWORK-SERVICES-MIB::applName': '.1.3.6.1.2.1.27.1.1.2',
  'NETWORK-SERVICES-MIB::applOperStatus': '.1.3.6.1.2.1.27.1.1.6',
  'NETWORK-SERVICES-MIB::assocDuration': '.1.3.6.1.2.1.27.2.1.5',
  'SIP-COMMON-MIB::sipCommonCfgServiceOperStatus': '.1.3.6.1.2.1.149.1.1.1.1.2',
  'SIP-COMMON-MIB::sipCommonSummaryInRequests': '.1.3.6.1.2.1.149.1.3.1.1.1',
  'SIP-COMMON-MIB::sipCommonMethodStatsInbounds': '.1.3.6.1.2.1.149.1.4.1.1.3',
  'SIP-COMMON-MIB::sipCommonStatusCodeIns': '.1.3.6.1.2.1.149.1.5.1.1.3',
  // applIndex 1, method length-prefixed (not IMPLIED), then the code
  'SIP-COMMON-MIB::sipCommonStatusCodeOuts.1."INVITE".486': '.1.3.6.1.2.1.149.1.5.1.1.4.1.6.73.78.86.73.84.69.486',
  'SIP-COMMON-MIB::sipCommonStatusCodeNotifEmitMode': '.1.3.6.1.2.1.149.1.5.2.1.2',
  'SIP-COMMON-MIB::sipCommonTransCurrentactions': '.1.3.6.1.2.1.149.1.6.1.1.1',
  'SIP-COMMON-MIB::sipCommonStatsRetries': '.1.3.6.1.2.1.149.1.7.1.1.2',
  'SIP-COMMON-MIB::sipCommonOtherStatsOtherwiseDiscardedMsgs': '.1.3.6.1.2.1.149.1.8.1.1.3',
  'SIP-COMMON-MIB::sipCommonServiceColdStart': '.1.3.6.1.2.1.149.0.4',
  'SIP-COMMON-MIB::sipCommonServiceStatusChanged': '.1.3.6.1.2.1.149.0.6',
  'SIP-COMMON-MIB::sipCommonCompliance': '.1.3.6.1.2.1.149.2.1.1',
  'SIP-SERVER-MIB::sipServerCfgProxyStatefulness': '.1.3.6.1.2.1.151.1.3.1.1.1',
  'SIP-SERVER-MIB::sipServerRegCurrentUsers': '.1.3.6.1.2.1.151.1.5.1.1.3',
  'SIP-SERVER-MIB::sipServerRegUserUri': '.1.3.6.1.2.1.151.1.5.2.1.2',
  'SIP-SERVER-MIB::sipServerRegContactURI': '.1.3.6.1.2.1.151.1.5.3.1.3',
  'SIP-SERVER-MIB::sipServerRegStatsAcceptedRegs': '.1.3.6.1.2.1.151.1.6.1.1.1',
  'OPENSPS-SIP-MIB::spsSipApplRunIndex': '.1.3.6.1.4.1.32473.1.3.1.1.1.1',
  // class first, then applIndex
  'OPENSPS-SIP-MIB::spsSipStatusClassOuts.5.1': '.1.3.6.1.4.1.32473.1.3.1.2.1.3.5.1',
  'OPENSPS-SIP-MIB::spsSipStatusClassIns': '.1.3.6.1.4.1.32473.1.3.1.2.1.2',
  'OPENSPS-SIP-MIB::spsRadiusServerAnswered': '.1.3.6.1.4.1.32473.1.3.1.3.1.6',
  'OPENSPS-SIP-MIB::spsAcctSpoolDepth': '.1.3.6.1.4.1.32473.1.3.1.4.1.3',
  'OPENSPS-SIP-MIB::spsSipCompliance': '.1.3.6.1.4.1.32473.1.3.2.2.1',
};

test('snmptranslate resolves names in mibs/ to the intended OIDs', () => {
  requireTool('snmptranslate', ['-V'], 'snmp');
  // Only mibs/ on the search path and no user/system snmp.conf, so the result does
  // not depend on what else is installed; a private persistent directory keeps
  // net-snmp from touching /var/lib/snmp.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'opensps-mibs-'));
  try {
    const env = { ...process.env, SNMPCONFPATH: tmp, SNMP_PERSISTENT_DIR: tmp, MIBS: '', MIBDIRS: '' };
    const names = Object.keys(EXPECTED);
    const r = spawnSync('snmptranslate', ['-M', SEARCH, '-m', 'ALL', '-On', ...names], {
      encoding: 'utf8',
      timeout: TIMEOUT,
      env,
    });
    assert.ifError(r.error);
    const parseErrors = r.stderr
      .split('\n')
      .filter((l) => l.trim() !== '' && !/^Created directory/.test(l));
    assert.deepEqual(parseErrors, [], `snmptranslate reported:\n${parseErrors.join('\n')}`);
    const got = r.stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '');
    assert.equal(r.status, 0, `snmptranslate exited ${r.status}`);
    assert.deepEqual(
      Object.fromEntries(names.map((n, i) => [n, got[i]])),
      EXPECTED,
    );
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
