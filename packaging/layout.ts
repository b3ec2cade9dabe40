// What an installed OpenSPS looks like: package names, the install prefix per system, and
// which parts of the prefix hold configuration or run-time state.
export const PACKAGE_NAME = 'opensps';
/** SVR4 package abbreviation (pkginfo PKG): a vendor prefix plus the product. */
export const SVR4_PKG = 'OPENsps';
export const SUMMARY = 'OpenSPS SIP proxy server with an SNMP master agent';
export const DESCRIPTION =
  'OpenSPS is a SIP proxy, registrar and redirect server (sipd) with an SNMP master agent ' +
  '(ciagent), in the mould of Cisco SIP Proxy Server 2.2. It runs on Node.js 20 or later.';
export const VENDOR = 'The OpenSPS project';
export const MAINTAINER = 'OpenSPS maintainers <opensps@example.org>';
export const LICENSE = 'Apache-2.0';

export const PREFIX_LINUX = '/usr/local/sip';
export const PREFIX_SOLARIS = '/opt/sip';

/**
 * Manual pages on Linux: /usr/local/share/man is in man-db's default search path on RHEL
 * (/etc/man_db.conf) and Debian (/etc/manpath.config), so `man sipd` (and `systemctl help
 * sipd`) find them with no MANPATH; /usr/share/man would clash with Apache's rotatelogs(8).
 * Solaris keeps them in the package, BASEDIR/man, which man derives from BASEDIR/bin on the PATH.
 */
export const MAN_DIR_LINUX = '/usr/local/share/man';
export const MAN_DIR_SOLARIS = 'man';

/** The account sipd, pserver and the control script run as (the guide's default). */
export const ACCOUNT = 'csps';

/** Directories made by the install scripts (not owned by the package, so removal keeps them). */
export const STATE_DIRS = ['logs', 'data'] as const;

/** Systemd unit names for the services, keyed by the bin/ program that must be present. */
export const SERVICES = [
  { bin: 'sipd', unit: 'sipd.service' },
  { bin: 'pserver', unit: 'pserver.service' },
  { bin: 'ciagent', unit: 'ciagent.service' },
] as const;

export type ServiceBin = (typeof SERVICES)[number]['bin'];
