// Directives of the RPMS module: a RADIUS preauthorization query to a resource pool
// manager for new INVITEs arriving from listed previous hops.
import { directivesFor, expectArgs, parsePort, parseHost } from '../../config/define.js';
import { ValueError } from '../../config/spec.js';
import type { Arg, ValuesOf } from '../../config/spec.js';
import { parseAclHosts } from '../acl/directives.js';
import type { AclHost } from '../acl/directives.js';

const d = directivesFor('rpms', 'preauth');

export interface RpmsServer {
  readonly host: string;
  readonly port: number;
  readonly secret: string;
}

export function parseRpmsServer(args: readonly Arg[]): RpmsServer {
  expectArgs(args, 3, 3, 'host port secret');
  const host = parseHost(args[0], 0);
  const port = parsePort(args[1], 1);
  if (!args[2].text) throw new ValueError('the shared secret is empty', 2);
  return { host, port, secret: args[2].text };
}

const MAX_HOPS = 100;

export const rpmsDirectives = [
  d.onOff('PreAuthorization', {
    default: false,
    doc: 'Ask an RPMS to preauthorize each new INVITE that comes from a host listed in PreAuthPreviousHop. A Reject refuses the call with 480 Temporarily Unavailable; when no RPMS answers, the call proceeds as if this were Off.',
  }),
  d.oneOf('PreAuthRequestType', {
    values: ['Query'],
    default: 'Query',
    doc: 'Kind of preauthorization request sent; Query is the only one.',
  }),
  d.repeated('RPMS_ServerIpPortSecret', {
    type: 'host port secret',
    maxCount: 10,
    item: (args: readonly Arg[]) => parseRpmsServer(args),
    example: ['RPMS_ServerIpPortSecret 10.1.1.20 1645 s3cret'],
    doc: 'One RPMS server per line: address, UDP port and RADIUS shared secret; up to 10. Queries go to the designated server (the first, or the one that last answered after it failed, for RadiusRetryTime), then the others in order. The secret is never logged.',
  }),
  d.custom('PreAuthPreviousHop', {
    type: 'list of hosts',
    valid: 'ALL | domain | IP | partial IP | network/netmask | network/prefix',
    default: [] as readonly AclHost[],
    defaultText: '(none)',
    repeat: true,
    maxCount: MAX_HOPS,
    parse: (args, prev) => {
      expectArgs(args, 1, Infinity, 'one or more hosts');
      const next = [...prev, ...parseAclHosts(args, 0)];
      if (next.length > MAX_HOPS) throw new ValueError(`too many previous hops: at most ${MAX_HOPS} are allowed`, args.length - 1);
      return next;
    },
    example: ['PreAuthPreviousHop 10.1.0.0/16 gw1.example.com'],
    doc: 'Previous hops whose INVITEs are preauthorized, written like Allow/Deny hosts, or ALL for every hop; up to 100 entries over any number of lines.',
  }),
] as const;

type RpmsValues = ValuesOf<typeof rpmsDirectives>;
declare module '../../config/values.js' {
  interface ConfigValues extends RpmsValues {}
}
