// Directives of the accounting module: which calls produce RADIUS Start/Stop records,
// how they are stamped, and where they are sent.
import { directivesFor, expectArgs, parseToken, parseHost } from '../../config/define.js';
import { ValueError } from '../../config/spec.js';
import type { Arg, ValuesOf } from '../../config/spec.js';

const d = directivesFor('accounting', 'accounting');


/** One header name per line, for the Cisco-AVPair "sip-hdr" attribute; shared with auth. */
export function parseIncludedHeader(args: readonly Arg[]): string {
  expectArgs(args, 1, 1, 'header name');
  return parseToken(args[0], 'SIP header name');
}

/** A RADIUS shared secret: any non-empty text; shared with auth. */
export function parseSecret(a: Arg): string {
  if (!a.text) throw new ValueError('the shared secret is empty', 0);
  return a.text;
}

export const accountingDirectives = [
  d.onOff('Accounting', {
    default: false,
    doc: 'Send RADIUS accounting records (Start and Stop) for calls through this server. Stop records need the BYE, which passes through sipd only with AddRecordRoute On.',
  }),
  d.onOff('AccountingServerSide', {
    default: true,
    doc: 'Write records for the call leg between the caller and this server (the incoming side). Calls arriving from this server itself or its farm members are not recorded twice.',
  }),
  d.onOff('AccountingClientSide', {
    default: false,
    doc: 'Write records for the call leg between this server and the next hop (the outgoing side).',
  }),
  d.onOff('AccountingUnsuccessful', {
    default: false,
    doc: 'Also write a record for calls that end without a 200 answer, on each side that AccountingServerSide/AccountingClientSide turn on.',
  }),
  d.oneOf('AccountingRecordFormat', {
    values: ['RADIUS'],
    default: 'RADIUS',
    doc: 'Format of the records; RADIUS is the only one.',
  }),
  d.oneOf('AccountingTimeFormat', {
    values: ['Local', 'GMT'],
    default: 'Local',
    doc: 'Time zone of the timestamps in the records. The guide names no default; sipd uses Local, the host\'s zone, and GMT gives UTC.',
  }),
  d.oneOf('OrigUserNameSource', {
    values: ['From', 'Auth'],
    default: 'Auth',
    section: 'server-core',
    doc: 'Where the RADIUS User-Name comes from. Auth: the user name in the Authorization or Proxy-Authorization header, or the From user when there is none; From: always the user part of the From URI.',
  }),
  d.optText('PrimaryRadiusAcctIp', {
    type: 'host name or IP address',
    check: (a: Arg) => parseHost(a),
    doc: 'RADIUS accounting server records go to first.',
  }),
  d.int('PrimaryRadiusAcctPort', { default: 1813, min: 1, max: 65535, doc: 'UDP port of the primary accounting server (1813 is the standard port).' }),
  d.optText('PrimaryRadiusAcctSecret', {
    type: 'secret',
    check: parseSecret,
    doc: 'Shared secret with the primary accounting server. Never logged; keep this file readable only by csps.',
  }),
  d.optText('SecondaryRadiusAcctIp', {
    type: 'host name or IP address',
    check: (a: Arg) => parseHost(a),
    doc: 'RADIUS accounting server used while the primary does not answer.',
  }),
  d.int('SecondaryRadiusAcctPort', { default: 1813, min: 1, max: 65535, doc: 'UDP port of the secondary accounting server.' }),
  d.optText('SecondaryRadiusAcctSecret', {
    type: 'secret',
    check: parseSecret,
    doc: 'Shared secret with the secondary accounting server. Never logged.',
  }),
  d.int('AccountingMaxCallDuration', {
    default: 86400,
    min: 60,
    max: 604800,
    unit: 'seconds',
    doc: 'A call with no BYE seen after this long gets its Stop record anyway (an OpenSPS addition), so that no call stays open in the billing system when its BYE is lost or takes another path.',
  }),
  d.int('AccountingSpoolMaxRecords', {
    default: 100000,
    min: 10,
    max: 10000000,
    doc: 'Records waiting in ServerRoot/data/radius-spool while no accounting server answers (an OpenSPS addition). When it is full, new records are refused, counted and logged; the ones already waiting are kept.',
  }),
  d.repeated('AcctIncludeSIPHeader', {
    type: 'SIP header name',
    maxCount: 50,
    item: (args: readonly Arg[]) => parseIncludedHeader(args),
    example: ['AcctIncludeSIPHeader Call-ID', 'AcctIncludeSIPHeader User-Agent'],
    doc: 'Copy this SIP header, whole line as received (from the 200 OK for Start, from the BYE for Stop), into a Cisco-AVPair sip-hdr attribute of accounting records. One header per line, at most 50.',
  }),
] as const;

type AccountingValues = ValuesOf<typeof accountingDirectives>;
declare module '../../config/values.js' {
  interface ConfigValues extends AccountingValues {}
}
