// Directives of the routing module: static next-hop routes by number pattern or domain,
// kept in a route database that farm members share.
import { directivesFor, expectArgs, parseHost } from '../../config/define.js';
import { ValueError } from '../../config/spec.js';
import type { Arg, ValuesOf } from '../../config/spec.js';
import { FARM_PORT_NO_EFFECT } from '../../proxy/directives.js';

const d = directivesFor('routing', 'routing');

/**
 * Farm member lists: each argument may hold several names separated by blanks or commas,
 * because the guide writes the value in quotes ("host2.example.com").
 */
export function parseFarmMembers(args: readonly Arg[], prev: readonly string[]): readonly string[] {
  expectArgs(args, 1, Infinity, 'host ...');
  const next = [...prev];
  args.forEach((a, i) => {
    const names = a.text.split(/[\s,]+/).filter(Boolean);
    if (names.length === 0) throw new ValueError('empty farm member list', i);
    for (const n of names) next.push(parseHost({ ...a, text: n }, i));
  });
  return next;
}

/** A rendezvous (database file) name: one path component. */
export function parseRendezvousName(a: Arg): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(a.text)) throw new ValueError(`"${a.text}" is not a plain file name (letters, digits, _ . -)`, 0);
  return a.text;
}

export const SHARED_MEMORY_NO_EFFECT =
  'Accepted for compatibility and has no effect: the original attached its table at this shared-memory address, while sipd keeps the table in its own process and persists it through the store.';

export const routingDirectives = [
  d.onOff('Cisco_Routing', {
    default: true,
    doc: 'Look up the next hop of each request in the route database (by number pattern, or by domain with Cisco_Routing_Use_Domain_Routing).',
  }),
  d.hex('Cisco_Routing_Shared_Memory_Address', {
    default: 0x35000000,
    min: 0,
    max: 0xffffffff,
    noEffect: 'sipd keeps the route table in its own process, not in shared memory',
    doc: `Where the route table lived in memory. ${SHARED_MEMORY_NO_EFFECT}`,
  }),
  d.text('Cisco_Routing_Rendezvous_Name', {
    default: 'routing_db',
    type: 'file name',
    check: parseRendezvousName,
    doc: 'Name of the route database and of its backing file.',
  }),
  d.text('Cisco_Routing_Rendezvous_Directory', {
    default: 'data',
    type: 'path',
    doc: 'Directory holding the route database file; a relative path is taken from ServerRoot.',
  }),
  d.int('Cisco_Routing_Remote_Update_Port', {
    noEffect: FARM_PORT_NO_EFFECT,
    default: 22913,
    min: 1,
    max: 65535,
    restart: 'restart',
    doc: 'Port on which the original farm members exchanged route database updates, accepted so that existing files load.',
  }),
  d.onOff('Cisco_Routing_Use_Domain_Routing', {
    default: false,
    doc: 'Also route by the host part of the Request-URI (domain routes), not only by the user part.',
  }),
  d.custom('Cisco_Routing_Farm_Members', {
    tab: 'Farming',
    type: 'list of hosts',
    default: [] as readonly string[],
    defaultText: '(none)',
    repeat: true,
    restart: 'restart',
    parse: (args, prev) => parseFarmMembers(args, prev),
    example: ['Cisco_Routing_Farm_Members "sps2.example.com sps3.example.com"'],
    doc: 'The other members of the routing farm, by name or address; leave this host out, it is implied. sps_setup writes it from its farm question. With DB_MySQL On and members named, the static routes are kept in the shared MySQL (Galera) tables that install_mysql_db creates, so a route added, changed or removed on any member is used by every member (each holds every route in memory, so routing never waits for MySQL); a replacement of the whole table is seen by each member all at once. This takes effect when sipd starts. Accounting uses the list too (no server-side records for an INVITE from a member, no client-side ones for a branch to one).',
  }),
  d.int('Cisco_Routing_Max_DB_Age_on_Boot', {
    default: 86400,
    min: 1,
    max: 31536000,
    unit: 'seconds',
    restart: 'restart',
    doc: 'At start, a route database file older than this is discarded and fetched again from the farm (or reseeded). Make it long enough that routes pushed by an external process survive a reboot.',
  }),
  d.onOff('Cisco_Routing_Global_Less_Specific_Route_Search', {
    default: false,
    doc: 'When every route found has failed (no final answer, or only 5xx), go on to less specific matching routes, except past a route whose AllowLessSpecificRoute is Off. Leave Off when using TLS.',
  }),
] as const;

type RoutingValues = ValuesOf<typeof routingDirectives>;
declare module '../../config/values.js' {
  interface ConfigValues extends RoutingValues {}
}
