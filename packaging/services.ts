// Service definitions shipped by the packages: systemd units (Linux), the SysV
// /etc/init.d/sip script (Linux without systemd, and Solaris without SMF) and an SMF
// manifest (Solaris). Every one of them goes through bin/sip (or csps_ciagent_ctl / ciagent
// for the agent), so the control script stays the one way sipd is started and stopped.
// Texts carry @PREFIX@; Linux packages substitute it at build time, the Solaris postinstall
// at install time (BASEDIR is only known then).
import { ACCOUNT, type ServiceBin } from './layout.js';

export const PLACEHOLDER = '@PREFIX@';

export function withPrefix(text: string, prefix: string): string {
  return text.split(PLACEHOLDER).join(prefix);
}

const UNITS: Record<ServiceBin, string> = {
  sipd: `[Unit]
Description=OpenSPS SIP proxy server (sipd)
Documentation=man:sipd(8) file://@PREFIX@/share/doc/install.md
After=network-online.target
Wants=network-online.target

[Service]
# bin/sip start returns once sipd has bound its sockets and written its pid file.
Type=forking
User=${ACCOUNT}
Group=${ACCOUNT}
PIDFile=@PREFIX@/logs/sipd.pid
ExecStart=@PREFIX@/bin/sip start
ExecReload=@PREFIX@/bin/sip graceful
ExecStop=@PREFIX@/bin/sip stop
# SIP ports below 1024 without running sipd as root.
AmbientCapabilities=CAP_NET_BIND_SERVICE
Restart=on-failure
# sip start gives up by itself when sipd says nothing for 10 s, but waits while sipd reports
# loading large route and registration tables (up to 15 minutes): systemd must not cut it short.
TimeoutStartSec=16min
TimeoutStopSec=30

[Install]
WantedBy=multi-user.target
Alias=sip.service
`,
  pserver: `[Unit]
Description=OpenSPS provisioning server (pserver)
After=network-online.target sipd.service
Wants=network-online.target

[Service]
Type=simple
User=${ACCOUNT}
Group=${ACCOUNT}
ExecStart=@PREFIX@/bin/pserver
Restart=on-failure

[Install]
WantedBy=multi-user.target
`,
  ciagent: `[Unit]
Description=OpenSPS SNMP master agent (ciagent)
After=network-online.target
Wants=network-online.target

[Service]
# Stays root: the agent answers on UDP port 161.
Type=simple
# CIAGENT_HTTP: the Dr-Web pages' --http options, written by sps_setup (drweb_port); empty = off.
EnvironmentFile=-@PREFIX@/conf/ciagent.env
ExecStart=@PREFIX@/bin/ciagent -f --agentx @PREFIX@/data/agentx --agentx-group ${ACCOUNT} $CIAGENT_HTTP
ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure

[Install]
WantedBy=multi-user.target
`,
};

/** The systemd unit for one service, with the prefix filled in. */
export function systemdUnit(bin: ServiceBin, prefix: string): string {
  return withPrefix(UNITS[bin], prefix);
}

/**
 * /etc/init.d/sip: start, stop, restart, graceful, status (and txngraceful-restart) handed
 * to bin/sip; the agent is started and stopped alongside when csps_ciagent_ctl is installed.
 * Bourne-shell syntax only (Solaris 10's /bin/sh).
 */
export const INIT_SCRIPT = `#!/bin/sh
#
# sip   Start and stop OpenSPS (sipd, and the SNMP agent when installed).
#
# chkconfig: 345 90 10
# description: OpenSPS SIP proxy server
### BEGIN INIT INFO
# Provides:          sip
# Required-Start:    $network $remote_fs $syslog
# Required-Stop:     $network $remote_fs $syslog
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: OpenSPS SIP proxy server
# Description:       Runs sipd through the sip control script.
### END INIT INFO

PREFIX=@PREFIX@
SIP=$PREFIX/bin/sip
CTL=$PREFIX/bin/csps_ciagent_ctl
PSERVER=$PREFIX/bin/pserver

# LSB: 5 = program not installed (the package was removed but this script was kept).
test -x "$SIP" || exit 5

# ciagent's AgentX socket: sipd attaches there when sipd.conf sets AgentXSocket.
# CIAGENT_HTTP (conf/ciagent.env, written by sps_setup): the Dr-Web pages' options; empty = off.
agent() {
  if test -x "$CTL"; then
    CIAGENT_HTTP=
    if test -r "$PREFIX/conf/ciagent.env"; then . "$PREFIX/conf/ciagent.env"; fi
    if test "$1" = start; then "$CTL" start --agentx "$PREFIX/data/agentx" --agentx-group ${ACCOUNT} $CIAGENT_HTTP; else "$CTL" "$1"; fi
  fi
}

# The provisioning GUI, when installed, runs as ${ACCOUNT} like sipd (its account has no login shell).
gui() {
  if test -x "$PSERVER"; then
    if test "\`id -u\`" = 0; then su -s /bin/sh ${ACCOUNT} -c "$PSERVER $1"; else "$PSERVER" "$1"; fi
  fi
}

case "$1" in
  start)
    "$SIP" start
    rc=$?
    agent start
    gui start
    exit $rc
    ;;
  stop)
    gui stop
    agent stop
    "$SIP" stop
    ;;
  restart)
    gui stop
    agent stop
    "$SIP" restart
    rc=$?
    agent start
    gui start
    exit $rc
    ;;
  graceful|reload|force-reload)
    "$SIP" graceful
    ;;
  status)
    "$SIP" status
    ;;
  txngraceful-restart)
    shift
    "$SIP" txngraceful-restart "$@"
    ;;
  *)
    echo "Usage: $0 start|stop|restart|graceful|status|txngraceful-restart SECONDS 1|2" >&2
    exit 2
    ;;
esac
`;

function smfService(name: string, title: string, start: string, stop: string, refresh: string | undefined, credential: string): string {
  const method = (n: string, exec: string) =>
    `    <exec_method type="method" name="${n}" exec="${exec}" timeout_seconds="60">
      <method_context>
        ${credential}
      </method_context>
    </exec_method>
`;
  return `  <service name="${name}" type="service" version="1">
    <create_default_instance enabled="false"/>
    <single_instance/>
    <dependency name="network" grouping="require_all" restart_on="error" type="service">
      <service_fmri value="svc:/milestone/network:default"/>
    </dependency>
    <dependency name="filesystem" grouping="require_all" restart_on="error" type="service">
      <service_fmri value="svc:/system/filesystem/local"/>
    </dependency>
${method('start', start)}${method('stop', stop)}${refresh ? method('refresh', refresh) : ''}    <property_group name="startd" type="framework">
      <propval name="duration" type="astring" value="contract"/>
    </property_group>
    <template>
      <common_name>
        <loctext xml:lang="C">${title}</loctext>
      </common_name>
    </template>
  </service>
`;
}

/**
 * The agent's SMF start method: through /bin/sh so that conf/ciagent.env (sps_setup's
 * drweb_port) can add the Dr-Web pages' --http options; empty CIAGENT_HTTP = off. Single
 * quotes: the variable is the inner shell's, whatever shell runs the method.
 */
export const AGENT_SMF_START = `/bin/sh -c 'CIAGENT_HTTP=; if test -r @PREFIX@/conf/ciagent.env; then . @PREFIX@/conf/ciagent.env; fi; exec @PREFIX@/bin/csps_ciagent_ctl start --agentx @PREFIX@/data/agentx --agentx-group ${ACCOUNT} $CIAGENT_HTTP'`;

/** SMF manifest (Solaris 10+): application/opensps/sip, plus ciagent and pserver when shipped. */
export function smfManifest(withAgent: boolean, withPserver = false): string {
  const csps = `<method_credential user="${ACCOUNT}" group="${ACCOUNT}" privileges="basic,net_privaddr"/>`;
  const root = '<method_credential user="root" group="root"/>';
  return `<?xml version="1.0"?>
<!DOCTYPE service_bundle SYSTEM "/usr/share/lib/xml/dtd/service_bundle.dtd.1">
<!-- Installed by the OpenSPS package; sipd is started and stopped through bin/sip. -->
<service_bundle type="manifest" name="opensps">
${smfService('application/opensps/sip', 'OpenSPS SIP proxy server', '@PREFIX@/bin/sip start', '@PREFIX@/bin/sip stop', '@PREFIX@/bin/sip graceful', csps)}${
    withAgent
      ? smfService('application/opensps/ciagent', 'OpenSPS SNMP master agent', AGENT_SMF_START, '@PREFIX@/bin/csps_ciagent_ctl stop', undefined, root)
      : ''
  }${
    withPserver
      ? smfService('application/opensps/pserver', 'OpenSPS provisioning server', '@PREFIX@/bin/pserver start', '@PREFIX@/bin/pserver stop', undefined, `<method_credential user="${ACCOUNT}" group="${ACCOUNT}" privileges="basic"/>`)
      : ''
  }</service_bundle>
`;
}
