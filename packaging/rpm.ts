// The rpm: a spec over an already staged tree, built with rpmbuild (Debian's rpm 4.18 works:
// no %systemd_* macros there, so the scripts call systemctl themselves).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ACCOUNT, DESCRIPTION, LICENSE, MAN_DIR_LINUX, PACKAGE_NAME, PREFIX_LINUX, SERVICES, SUMMARY, VENDOR } from './layout.js';
import { stageManPages } from './man/index.js';
import { rpmScripts } from './scripts.js';
import { INIT_SCRIPT, systemdUnit, withPrefix } from './services.js';
import { stageTree, type StagedTree } from './stage.js';

export const RPM_UNIT_DIR = '/usr/lib/systemd/system';
export const RPM_INIT_SCRIPT = '/etc/rc.d/init.d/sip';

export interface BuildOptions {
  readonly version: string;
  /** Directory the package file is written to. */
  readonly outDir: string;
  /** Scratch directory (staging, rpmbuild's _topdir); the caller removes it. */
  readonly workDir: string;
  readonly repo?: string;
}

/** rpm versions: no '-', nothing rpm would misread. */
export function checkRpmVersion(v: string): string {
  if (!/^[0-9][A-Za-z0-9._+~^]*$/.test(v)) throw new Error(`version "${v}" is not usable in an rpm: digits, letters and . _ + ~ ^ only, starting with a digit`);
  return v;
}

/** Spec text; script bodies have % doubled so that rpm does not read them as macros. */
export function rpmSpec(version: string, tree: StagedTree, stageRoot: string, manFiles: readonly string[] = []): string {
  const p = PREFIX_LINUX;
  const s = rpmScripts({ prefix: p, services: tree.services, initScript: RPM_INIT_SCRIPT });
  const esc = (t: string) => t.replace(/%/g, '%%');
  const units = SERVICES.filter((x) => tree.services.includes(x.bin)).map((x) => `${RPM_UNIT_DIR}/${x.unit}`);
  return `Name: ${PACKAGE_NAME}
Version: ${version}
Release: 1
Summary: ${SUMMARY}
License: ${LICENSE}
Vendor: ${VENDOR}
BuildArch: noarch
AutoReqProv: no
Requires: nodejs >= 20
Requires(pre): shadow-utils
Recommends: net-snmp-utils, net-snmp
%global __os_install_post %{nil}
%global debug_package %{nil}
%global _build_id_links none

%description
${DESCRIPTION}

%install
mkdir -p %{buildroot}
cp -a ${stageRoot}/. %{buildroot}/

%pre
${esc(s.pre)}
%post
${esc(s.post)}
%preun
${esc(s.preun)}
%postun
${esc(s.postun)}
%files
%defattr(-,root,root,-)
%dir ${p}
${p}/package.json
${p}/bin
${p}/lib
${p}/mibs
${p}/radius
${p}/share
${p}/web
%dir %attr(0775,root,${ACCOUNT}) ${p}/conf
${tree.confFiles.map((f) => `%config(noreplace) %attr(0640,root,${ACCOUNT}) ${p}/${f}`).join('\n')}
${units.join('\n')}
${manFiles.map((f) => `${MAN_DIR_LINUX}/${f}`).join('\n')}
%attr(0755,root,root) ${RPM_INIT_SCRIPT}
`;
}

/** Stage, write the spec, run rpmbuild; returns the path of the .rpm. */
export function buildRpm(o: BuildOptions): string {
  const version = checkRpmVersion(o.version);
  const root = path.join(o.workDir, 'rpm-root');
  const tree = stageTree({ repo: o.repo, dir: path.join(root, PREFIX_LINUX), prefix: PREFIX_LINUX, version, os: 'linux' });
  mkdirSync(path.join(root, RPM_UNIT_DIR), { recursive: true });
  for (const s of SERVICES) if (tree.services.includes(s.bin)) writeFileSync(path.join(root, RPM_UNIT_DIR, s.unit), systemdUnit(s.bin, PREFIX_LINUX), { mode: 0o644 });
  mkdirSync(path.join(root, path.dirname(RPM_INIT_SCRIPT)), { recursive: true });
  writeFileSync(path.join(root, RPM_INIT_SCRIPT), withPrefix(INIT_SCRIPT, PREFIX_LINUX), { mode: 0o755 });
  const manFiles = stageManPages(path.join(root, MAN_DIR_LINUX), { treeDir: tree.dir, prefix: PREFIX_LINUX, version, gzip: true });

  const top = path.join(o.workDir, 'rpmbuild');
  for (const d of ['BUILD', 'RPMS', 'SOURCES', 'SPECS', 'SRPMS', 'BUILDROOT']) mkdirSync(path.join(top, d), { recursive: true });
  const spec = path.join(top, 'SPECS', `${PACKAGE_NAME}.spec`);
  writeFileSync(spec, rpmSpec(version, tree, root, manFiles));
  try {
    execFileSync('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${top}`, '--define', '_binary_payload w6.gzdio', spec], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
    });
  } catch (e) {
    const err = e as { code?: string; stderr?: Buffer; message: string };
    if (err.code === 'ENOENT') throw new Error('rpmbuild is not installed (Debian package "rpm")');
    throw new Error(`rpmbuild failed: ${err.stderr?.toString().trim() || err.message}`);
  }
  const dir = path.join(top, 'RPMS', 'noarch');
  const built = readdirSync(dir).find((f) => f.endsWith('.rpm'));
  if (!built) throw new Error(`rpmbuild left no package in ${dir}`);
  mkdirSync(o.outDir, { recursive: true });
  const out = path.join(o.outDir, built);
  copyFileSync(path.join(dir, built), out);
  return out;
}
