// Server-global and host-specific directives owned by the sipd process itself:
// where it lives, which sockets it binds, which account it runs as.
import { directivesFor, expectArgs, parseHost } from '../config/define.js';
import type { Arg, SectionSpec, ValuesOf } from '../config/spec.js';
import { parseListen } from '../transport/directives.js';

const d = directivesFor('server', 'server-global');

const NO_EFFECT =
  'Accepted for compatibility and has no effect: sipd is one event-driven process, so there is no pool of child processes to size.';

export const serverDirectives = [
  d.text('ServerRoot', {
    default: '',
    type: 'path',
    restart: 'restart',
    example: ['ServerRoot /usr/local/sip'],
    doc: 'Top directory of the installation, holding bin/, conf/, logs/ and data/. Relative paths in this file are taken from here. When unset it is the directory above the one holding this file, so an installed /usr/local/sip/conf/sipd.conf gives /usr/local/sip (the guide\'s default; /opt/sip on Solaris). Write it without a trailing slash.',
  }),
  d.text('LockFile', {
    default: 'logs/accept.lock',
    type: 'path',
    restart: 'restart',
    noEffect: 'sipd is a single process, so no accept lock is shared between children',
    doc: 'Accepted for compatibility and has no effect: Apache used it to serialise accept() between child processes, and sipd has no such children.',
  }),
  d.text('PidFile', {
    default: 'logs/sipd.pid',
    type: 'path',
    restart: 'restart',
    shipActive: true,
    doc: 'File where sipd writes its process id at start; the sip control script reads it. A relative path is taken from ServerRoot. Give each instance on a host its own.',
  }),
  d.text('ScoreBoardFile', {
    default: 'logs/apache_runtime_status',
    type: 'path',
    restart: 'restart',
    noEffect: 'sipd is a single process with no shared scoreboard; counters are served on the control socket',
    doc: 'Accepted for compatibility and has no effect: there is no shared scoreboard between processes. Live counters are served on the control socket beside the pid file instead.',
  }),
  d.int('StartServers', { default: 5, min: 1, max: 1024, restart: 'restart', noEffect: 'sipd is a single event-driven process and starts no child processes', doc: `Number of child processes at start in the original server. ${NO_EFFECT}` }),
  d.int('MinSpareServers', { default: 5, min: 1, max: 1024, restart: 'restart', noEffect: 'sipd is a single event-driven process and keeps no spare children', doc: `Fewest idle children in the original server. ${NO_EFFECT}` }),
  d.int('MaxSpareServers', { default: 10, min: 1, max: 1024, restart: 'restart', noEffect: 'sipd is a single event-driven process and keeps no spare children', doc: `Most idle children in the original server. ${NO_EFFECT}` }),
  d.int('MaxClients', {
    default: 20,
    min: 1,
    max: 100000,
    restart: 'restart',
    noEffect: 'sipd is a single event-driven process; concurrent requests are not limited by a process pool',
    doc: `Most simultaneous requests in the original server's process pool. ${NO_EFFECT}`,
  }),
  d.int('MaxRequestsPerChild', {
    default: 0,
    min: 0,
    max: 2147483647,
    restart: 'restart',
    noEffect: 'sipd is a single event-driven process and has no children to recycle',
    doc: `Requests a child handled before being replaced (0 = never) in the original server. ${NO_EFFECT}`,
  }),
  d.repeated('Listen', {
    type: 'PORT or IP:PORT',
    valid: 'PORT, IP:PORT, [IPv6]:PORT',
    restart: 'restart',
    item: (args: readonly Arg[]) => {
      expectArgs(args, 1, 1, 'PORT or IP:PORT');
      return parseListen(args[0]);
    },
    example: ['Listen 5060', 'Listen 10.23.56.78:5060'],
    doc: 'Address and port to receive SIP on, over both UDP and TCP; repeat for more. A bare port means every local address. With no Listen line sipd listens on every address at Port.',
  }),
  d.int('Port', {
    default: 5060,
    min: 1,
    max: 65535,
    restart: 'restart',
    section: 'host-specific',
    shipActive: true,
    doc: 'SIP port used when no Listen line is given, and the port this server puts in its own Via and Record-Route headers. Ports below 1024 require starting sipd as root (it drops to User/Group once the sockets are bound).',
  }),
  d.text('User', {
    default: 'csps',
    restart: 'restart',
    section: 'host-specific',
    shipActive: true,
    doc: 'Account (name or #uid) that sipd switches to after binding its sockets, when started by root. The account must exist; packages create csps.',
  }),
  d.text('Group', {
    default: 'csps',
    restart: 'restart',
    section: 'host-specific',
    shipActive: true,
    doc: 'Group (name or #gid) that sipd switches to, when started by root.',
  }),
  d.optText('ServerName', {
    section: 'host-specific',
    type: 'host name',
    check: (a: Arg) => parseHost(a),
    doc: 'DNS name that clients use for this server or farm, when it differs from the host\'s own name (e.g. sip-proxy.example.com). Used in path headers when ProxyAddressResolutionType is A. Needed only in a farm.',
  }),
] as const;

/**
 * The guide's core groups (Appendix B, B-4 to B-12), which the core layers share: the
 * server heads them. TLS and the debug flags close the server-core pages in the guide.
 */
export const serverSections: readonly SectionSpec[] = [
  { id: 'server-global', title: 'Server-global directives', page: 4, tab: 'Server Directives' },
  { id: 'host-specific', title: 'Host-specific directives (logs, user, port)', page: 5, tab: 'Server Directives' },
  { id: 'server-core', title: 'Server-core directives', page: 8, tab: 'SIP Server Core' },
  { id: 'tls', title: 'TLS transport', page: 8, tab: 'SIP Server Core', switch: 'SipTlsEnable' },
  { id: 'debug', title: 'Debug flags', page: 8, tab: 'Debug and Logs' },
];

type ServerValues = ValuesOf<typeof serverDirectives>;
declare module '../config/values.js' {
  interface ConfigValues extends ServerValues {}
}
