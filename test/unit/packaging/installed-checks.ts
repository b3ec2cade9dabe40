// Checks on a package installed into a scratch root: `systemd-analyze verify` on its unit
// files as installed, and `man` on its manual pages. systemd-analyze works without a
// running systemd; with --root it reads units and checks Exec programs inside the root.
// It also runs `man` for each Documentation=man:… line, which we point at the root's
// manual directory, so the check fails if sipd.service names a page the package lacks.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import path from 'node:path';
import { requireTool } from '../../helpers/tools.js';
import { MAN_PAGES } from './man-pages.js';

/** Where the host's own units are put inside the root for the duration of a check. */
const HOST_UNITS = '/.verify-host-units';

export interface CheckResult {
  readonly code: number | null;
  readonly out: string;
}

/**
 * systemd-analyze verify --root=ROOT on `units` (paths inside the root). The targets
 * our units name (multi-user.target, network-online.target …) come from this host's
 * systemd, copied into the root for the check and removed after it. Programs that the
 * units run from the system (not from the package's prefix, such as /bin/kill) are copied
 * from this host when the root lacks them; the package's own programs never are.
 */
export function systemdVerify(root: string, units: readonly string[], o: { prefix: string; manDir: string }): CheckResult {
  const analyze = requireTool('systemd-analyze', 'systemd');
  requireTool('man', 'man-db');
  const hostUnits = realpathSync('/lib/systemd/system');
  for (const unit of units) {
    for (const line of readFileSync(path.join(root, unit), 'utf8').split('\n')) {
      const prog = /^Exec\w+=[-@:+!]*(\/\S+)/.exec(line)?.[1];
      if (!prog || prog.startsWith(o.prefix + '/') || existsSync(path.join(root, prog))) continue;
      if (!existsSync(prog)) continue; // systemd-analyze will report it missing
      mkdirSync(path.dirname(path.join(root, prog)), { recursive: true });
      copyFileSync(prog, path.join(root, prog));
      chmodSync(path.join(root, prog), 0o755);
    }
  }
  cpSync(hostUnits, path.join(root, HOST_UNITS), { recursive: true });
  try {
    const unitDirs = [...new Set(units.map((u) => path.dirname(u)))];
    const r = spawnSync(analyze, ['verify', `--root=${root}`, '--man=yes', ...units], {
      encoding: 'utf8',
      timeout: 120_000,
      // SYSTEMD_UNIT_PATH is read inside the root; MANPATH is where the `man` that
      // systemd-analyze runs looks for the Documentation pages.
      env: { ...process.env, SYSTEMD_UNIT_PATH: [...unitDirs, HOST_UNITS].join(':'), MANPATH: path.join(root, o.manDir), SYSTEMD_LOG_COLOR: '0' },
    });
    return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
  } finally {
    rmSync(path.join(root, HOST_UNITS), { recursive: true, force: true });
  }
}

/** `man -l FILE` rendered as plain text, with man's --warnings on; the warnings are in `out`. */
export function manRender(file: string): CheckResult & { text: string } {
  requireTool('man', 'man-db');
  const r = spawnSync('man', ['--warnings', '-l', file], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, MANPAGER: 'cat', PAGER: 'cat', MANWIDTH: '80', LC_ALL: 'C.UTF-8' } });
  return { code: r.status, out: r.stderr ?? '', text: (r.stdout ?? '').replace(/.\x08/g, '') };
}

/** What `man -M DIR -w NAME` finds: the page file man would show for NAME. */
export function manFind(manDir: string, name: string, section: number): CheckResult {
  const r = spawnSync('man', ['-M', manDir, '-w', String(section), name], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

/**
 * The rpm and deb tests' common check of an installed tree: man renders sipd(8) without a
 * warning and finds every page under `manDir`, and systemd-analyze verify passes on the
 * units in `unitDir` (both paths inside the root).
 */
export function assertInstalledManualAndUnits(root: string, o: { prefix: string; manDir: string; unitDir: string }): void {
  const sipd = manRender(path.join(root, o.manDir, 'man8', 'sipd.8.gz'));
  assert.equal(sipd.code, 0, sipd.out);
  assert.equal(sipd.out, '', 'man --warnings is silent');
  assert.match(sipd.text, /^NAME\n\s+sipd - OpenSPS SIP proxy/m);
  assert.match(sipd.text, new RegExp(`^\\s+-f FILE\\n\\s+configuration file \\(default ${o.prefix.replace(/[/.]/g, '\\$&')}\\/conf\\/sipd\\.conf\\)`, 'm'));
  for (const [name, section] of MAN_PAGES) {
    const found = manFind(path.join(root, o.manDir), name, section);
    assert.equal(found.out, path.join(root, o.manDir, `man${section}`, `${name}.${section}.gz`), `man -w ${section} ${name}: ${found.out}`);
  }
  const units = ['sipd.service', 'ciagent.service'].map((u) => `${o.unitDir}/${u}`);
  const v = systemdVerify(root, units, { prefix: o.prefix, manDir: o.manDir });
  assert.equal(v.code, 0, v.out);
  assert.equal(v.out.trim(), '', 'systemd-analyze verify has nothing to say');
}
