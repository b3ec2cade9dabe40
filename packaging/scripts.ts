// Install and removal scripts of the three package formats, as shell text. They create the
// csps account, make logs/ and data/ (not owned by the package, so removal keeps them and
// whatever sipd wrote there), and register or remove the services. Systemd is used when it
// runs (plain systemctl: Debian's rpm has no %systemd_* macros); otherwise chkconfig or
// update-rc.d with /etc/init.d/sip. A failing service step never fails the package step.
import { ACCOUNT, SERVICES, STATE_DIRS, type ServiceBin } from './layout.js';

export interface LinuxScriptOptions {
  readonly prefix: string;
  /** Services shipped (their units are enabled on first install). */
  readonly services: readonly ServiceBin[];
  /** Where the SysV script is installed (/etc/init.d/sip; /etc/rc.d/init.d/sip for rpm). */
  readonly initScript: string;
}

function units(services: readonly ServiceBin[]): string {
  return SERVICES.filter((s) => services.includes(s.bin)).map((s) => s.unit).join(' ');
}

/** Shell functions shared by the rpm and deb scripts. */
function linuxFunctions(o: LinuxScriptOptions): string {
  return `PREFIX=${o.prefix}
ACCOUNT=${ACCOUNT}
UNITS="${units(o.services)}"
INITSCRIPT=${o.initScript}

systemd_running() {
  test -d /run/systemd/system && command -v systemctl >/dev/null 2>&1
}

has_entry() {
  # $1 = passwd | group, $2 = name; getent sees NIS/LDAP too, the file is the fallback.
  getent "$1" "$2" >/dev/null 2>&1 || grep -q "^$2:" "/etc/$1" 2>/dev/null
}

create_account() {
  if ! has_entry group "$ACCOUNT"; then
    groupadd -r "$ACCOUNT" || { echo "opensps: cannot create the group $ACCOUNT" >&2; exit 1; }
  fi
  if ! has_entry passwd "$ACCOUNT"; then
    shell=/sbin/nologin
    test -x "$shell" || shell=/usr/sbin/nologin
    test -x "$shell" || shell=/bin/false
    useradd -r -g "$ACCOUNT" -d "$PREFIX" -s "$shell" -c "OpenSPS SIP proxy" "$ACCOUNT" ||
      { echo "opensps: cannot create the user $ACCOUNT" >&2; exit 1; }
  fi
}

make_state_dirs() {
  for d in ${STATE_DIRS.join(' ')}; do
    test -d "$PREFIX/$d" || mkdir -p "$PREFIX/$d"
    chown "$ACCOUNT:$ACCOUNT" "$PREFIX/$d"
    chmod 0750 "$PREFIX/$d"
  done
}

register_services() {
  if systemd_running; then
    systemctl daemon-reload || :
    systemctl enable $UNITS || :
  elif command -v chkconfig >/dev/null 2>&1; then
    chkconfig --add sip || :
  elif command -v update-rc.d >/dev/null 2>&1; then
    update-rc.d sip defaults >/dev/null || :
  fi
}

restart_if_running() {
  if systemd_running; then
    systemctl daemon-reload || :
    systemctl try-restart $UNITS || :
  elif "$PREFIX/bin/sip" status >/dev/null 2>&1; then
    "$INITSCRIPT" restart || :
  fi
}

stop_services() {
  if systemd_running; then
    systemctl --no-reload disable --now $UNITS || :
  elif test -x "$INITSCRIPT"; then
    "$INITSCRIPT" stop >/dev/null 2>&1 || :
  fi
}
`;
}

const sh = (body: string) => `#!/bin/sh\n${body}`;

/** %pre, %post, %preun, %postun bodies ($1: 1 install, 2+ upgrade, 0 erase). */
export function rpmScripts(o: LinuxScriptOptions): { pre: string; post: string; preun: string; postun: string } {
  const f = linuxFunctions(o);
  return {
    pre: `${f}
create_account
`,
    post: `${f}
make_state_dirs
if [ "$1" -eq 1 ]; then
  register_services
fi
exit 0
`,
    preun: `${f}
if [ "$1" -eq 0 ]; then
  stop_services
  if ! systemd_running && command -v chkconfig >/dev/null 2>&1; then chkconfig --del sip || :; fi
fi
exit 0
`,
    postun: `${f}
if [ "$1" -eq 0 ]; then
  if systemd_running; then systemctl daemon-reload || :; fi
  # rpm -e saved edited configuration files as FILE.rpmsave: put them back under their
  # own names, so that removing the package leaves conf/ as the administrator had it.
  for f in "$PREFIX"/conf/*.rpmsave; do
    test -f "$f" || continue
    test -f "\${f%.rpmsave}" || mv "$f" "\${f%.rpmsave}"
  done
else
  restart_if_running
fi
exit 0
`,
  };
}

/** Debian maintainer scripts (see deb-version(7), policy chapter 6 for the arguments). */
export function debScripts(o: LinuxScriptOptions): { preinst: string; postinst: string; prerm: string; postrm: string } {
  const f = linuxFunctions(o);
  return {
    preinst: sh(`set -e
${f}
case "$1" in
  install|upgrade) create_account ;;
esac
exit 0
`),
    postinst: sh(`set -e
${f}
case "$1" in
  configure)
    make_state_dirs
    if [ -z "$2" ]; then
      # First install: sipd.conf may hold the MySQL password; readable by csps only.
      chgrp "$ACCOUNT" "$PREFIX/conf" "$PREFIX"/conf/*
      chmod 0775 "$PREFIX/conf"
      chmod 0640 "$PREFIX"/conf/*
      register_services
    else
      restart_if_running
    fi
    ;;
esac
exit 0
`),
    prerm: sh(`set -e
${f}
case "$1" in
  remove|deconfigure) stop_services ;;
esac
exit 0
`),
    postrm: sh(`set -e
${f}
case "$1" in
  remove)
    if systemd_running; then systemctl daemon-reload || :; fi
    ;;
  purge)
    # /etc/init.d/sip is a conffile: its rc links go with it, at purge.
    if command -v update-rc.d >/dev/null 2>&1; then update-rc.d sip remove >/dev/null || :; fi
    ;;
esac
exit 0
`),
  };
}

/**
 * SVR4 scripts (Bourne shell: Solaris 10's /bin/sh has no $(…) and no test -e). pkgadd
 * gives BASEDIR and, with -R, PKG_INSTALL_ROOT. Class action scripts i.config and r.config
 * keep edited configuration files across pkgrm/pkgadd (Solaris upgrades that way).
 */
export function svr4Scripts(services: readonly ServiceBin[]): Record<'checkinstall' | 'preinstall' | 'postinstall' | 'preremove' | 'postremove' | 'i.config' | 'r.config', string> {
  const agent = services.includes('ciagent');
  const gui = services.includes('pserver');
  const root = `R="\${PKG_INSTALL_ROOT:-}"
if [ "$R" = "/" ]; then R=""; fi
P="$R$BASEDIR"
`;
  return {
    checkinstall: sh(`# Runs before anything is installed: OpenSPS needs Node.js 20 or later as "node".
v=\`node -v 2>/dev/null\`
case "$v" in
  v2[0-9].*|v[3-9][0-9].*) exit 0 ;;
esac
echo "OpenSPS needs Node.js 20 or later as node on the PATH (found: \${v:-none})."
echo "Install it (Solaris 11: pkg install runtime/nodejs-20) and add the package again."
exit 3
`),
    preinstall: sh(`${root}
if [ -n "$R" ]; then
  echo "Installing under $R: the group and user ${ACCOUNT} must exist there."
  exit 0
fi
getent group ${ACCOUNT} >/dev/null 2>&1 || groupadd ${ACCOUNT} || exit 1
getent passwd ${ACCOUNT} >/dev/null 2>&1 || useradd -g ${ACCOUNT} -d "$BASEDIR" -s /bin/false -c "OpenSPS SIP proxy" ${ACCOUNT} || exit 1
exit 0
`),
    postinstall: sh(`${root}
for d in ${STATE_DIRS.join(' ')}; do
  [ -d "$P/$d" ] || mkdir -p "$P/$d"
  chown ${ACCOUNT}:${ACCOUNT} "$P/$d"
  chmod 0750 "$P/$d"
done
fill() {
  sed "s#@PREFIX@#$BASEDIR#g" "$1" > "$2"
}
if [ -x /usr/sbin/svccfg ] && [ -z "$R" ]; then
  [ -d /var/svc/manifest/site ] || mkdir -p /var/svc/manifest/site
  fill "$P/share/services/opensps-smf.xml" /var/svc/manifest/site/opensps.xml
  /usr/sbin/svccfg import /var/svc/manifest/site/opensps.xml
  echo "After sps_setup: svcadm enable application/opensps/sip${agent ? ' application/opensps/ciagent' : ''}${gui ? ' application/opensps/pserver' : ''}"
else
  for d in init.d rc0.d rc1.d rc3.d rcS.d; do [ -d "$R/etc/$d" ] || mkdir -p "$R/etc/$d"; done
  fill "$P/share/services/init.d-sip" "$R/etc/init.d/sip"
  chmod 0744 "$R/etc/init.d/sip"
  rm -f "$R/etc/rc3.d/S90sip" "$R/etc/rc0.d/K10sip" "$R/etc/rc1.d/K10sip" "$R/etc/rcS.d/K10sip"
  ln -s ../init.d/sip "$R/etc/rc3.d/S90sip"
  ln -s ../init.d/sip "$R/etc/rc0.d/K10sip"
  ln -s ../init.d/sip "$R/etc/rc1.d/K10sip"
  ln -s ../init.d/sip "$R/etc/rcS.d/K10sip"
fi
exit 0
`),
    preremove: sh(`${root}
if [ -f "$R/var/svc/manifest/site/opensps.xml" ]; then
  if [ -z "$R" ]; then
    for s in ${gui ? 'application/opensps/pserver ' : ''}application/opensps/sip${agent ? ' application/opensps/ciagent' : ''}; do
      /usr/sbin/svcadm disable -s $s >/dev/null 2>&1
      /usr/sbin/svccfg delete $s >/dev/null 2>&1
    done
  fi
  rm -f "$R/var/svc/manifest/site/opensps.xml"
fi
if [ -f "$R/etc/init.d/sip" ]; then
  if [ -z "$R" ]; then "$R/etc/init.d/sip" stop >/dev/null 2>&1; fi
  rm -f "$R/etc/init.d/sip" "$R/etc/rc3.d/S90sip" "$R/etc/rc0.d/K10sip" "$R/etc/rc1.d/K10sip" "$R/etc/rcS.d/K10sip"
fi
exit 0
`),
    postremove: sh(`${root}
echo "$P/conf, $P/logs and $P/data were kept; remove them by hand if they are no longer needed."
exit 0
`),
    'i.config': sh(`# Class "config": pkgadd hands "source destination" pairs. An existing file is the
# administrator's and stays; the shipped one goes beside it as FILE.new when they differ.
while read src dst; do
  if [ -f "$dst" ]; then
    cmp -s "$src" "$dst" || cp "$src" "$dst.new"
  else
    cp "$src" "$dst" || exit 2
  fi
done
exit 0
`),
    'r.config': sh(`# Class "config" at pkgrm: configuration files stay where they are.
while read dst; do
  :
done
exit 0
`),
  };
}
