// Directives of the registry module: the location service that REGISTER fills, its
// expiry sweep, and the database that registry farm members share.
import { directivesFor } from '../../config/define.js';
import type { ValuesOf } from '../../config/spec.js';
import { FARM_PORT_NO_EFFECT } from '../../proxy/directives.js';
import { parseFarmMembers, parseRendezvousName, SHARED_MEMORY_NO_EFFECT } from '../routing/directives.js';

const d = directivesFor('registry', 'registry');

export const registryDirectives = [
  d.int('RegistryCleanupRate', {
    default: 180000,
    min: 1000,
    max: 86400000,
    unit: 'ms',
    section: 'server-core',
    doc: 'Interval between sweeps that drop expired and deleted registrations from the registry.',
  }),
  d.onOff('Cisco_Registry', {
    default: true,
    doc: 'Act as registrar: accept REGISTER and use the registered contacts to reach users.',
  }),
  d.onOff('Cisco_Registry_Use_Virtual_Proxy_Host', {
    default: true,
    doc: 'Accept registrations for the VirtualProxyHost domains as well as for ProxyDomain.',
  }),
  d.hex('Cisco_Registry_Shared_Memory_Address', {
    default: 0x30000000,
    min: 0,
    max: 0xffffffff,
    noEffect: 'sipd keeps the registration table in its own process, not in shared memory',
    doc: `Where the registration table lived in memory. ${SHARED_MEMORY_NO_EFFECT}`,
  }),
  d.text('Cisco_Registry_Rendezvous_Name', {
    default: 'registry_db',
    type: 'file name',
    check: parseRendezvousName,
    doc: 'Name of the registration database and of its backing file.',
  }),
  d.text('Cisco_Registry_Rendezvous_Directory', {
    default: 'data',
    type: 'path',
    doc: 'Directory holding the registration database file; a relative path is taken from ServerRoot.',
  }),
  d.int('Cisco_Registry_Remote_Update_Port', {
    noEffect: FARM_PORT_NO_EFFECT,
    default: 22913,
    min: 1,
    max: 65535,
    restart: 'restart',
    doc: 'Port on which the original farm members exchanged registration updates, accepted so that existing files load (see Cisco_Registry_Farm_Members for the shared registry).',
  }),
  d.custom('Cisco_Registry_Farm_Members', {
    tab: 'Farming',
    type: 'list of hosts',
    default: [] as readonly string[],
    defaultText: '(none)',
    repeat: true,
    parse: (args, prev) => parseFarmMembers(args, prev),
    example: ['Cisco_Registry_Farm_Members "sps2.example.com"'],
    doc: 'The other members of the registry farm, by name or address, without this host; their clocks must agree (run NTP). sps_setup writes it from its farm question. With DB_MySQL On and members named, registrations are kept in the shared MySQL (Galera) tables that install_mysql_db creates, so every member serves every registration; this takes effect when sipd starts. Accounting uses the list too (no server-side records for an INVITE from a member, no client-side ones for a branch to one).',
  }),
  d.int('Cisco_Registry_Max_DB_Age_on_Boot', {
    default: 86400,
    min: 1,
    max: 31536000,
    unit: 'seconds',
    restart: 'restart',
    doc: 'At start, a registration database file older than this is discarded and fetched again from the farm. Keep it above the longest registration lifetime.',
  }),
] as const;

type RegistryValues = ValuesOf<typeof registryDirectives>;
declare module '../../config/values.js' {
  interface ConfigValues extends RegistryValues {}
}
