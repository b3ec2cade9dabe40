// Directives of the accounting module: which calls produce RADIUS Start/Stop records,
// how they are stamped, and where they are sent.
import { directivesFor, expectArgs, parseToken, parseHost } from '../../config/define.js';
import { ValueError } from '../../config/spec.js';
import type { Arg, ValuesOf } from '../../config/spec.js';

const d = directivesFor('accounting', 'accounting');

// Until RADIUS accounting is built, every directive of it is accepted and reported as having no effect.
const NOT_BUILT = 'accounting is not built yet (RADIUS Start/Stop records): no record is sent';

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
    noEffect: NOT_BUILT,
    default: false,
    doc: 'Send RADIUS accounting records (Start and Stop) for calls through this server.',
  }),
  d.onOff('AccountingServerSide', {
    noEffect: NOT_BUILT,
    default: true,
    doc: 'Write records for the call leg between the caller and this server (the incoming side). Calls arriving from this server itself or its farm members are not recorded twice.',
  }),
  d.onOff('AccountingClientSide', {
    noEffect: NOT_BUILT,
    default: false,
    doc: 'Write records for the call leg between this server and the next hop (the outgoing side).',
  }),
  d.onOff('AccountingUnsuccessful', {
    noEffect: NOT_BUILT,
    default: false,
    doc: 'Also write a record for calls that end without a 200 answer, on each side that AccountingServerSide/AccountingClientSide turn on.',
  }),
  d.oneOf('AccountingRecordFormat', {
    noEffect: NOT_BUILT,
    values: ['RADIUS'],
    default: 'RADIUS',
    doc: 'Format of the records; RADIUS is the only one.',
  }),
  d.oneOf('AccountingTimeFormat', {
    noEffect: NOT_BUILT,
    values: ['Local', 'GMT'],
    default: 'Local',
    doc: 'Time zone of the timestamps in the records. The guide names no default; sipd uses Local, the host\'s zone, and GMT gives UTC.',
  }),
  d.oneOf('OrigUserNameSource', {
    noEffect: NOT_BUILT,
    values: ['From', 'Auth'],
    default: 'Auth',
    section: 'server-core',
    doc: 'Where the RADIUS User-Name comes from. Auth: the user name in the Authorization or Proxy-Authorization header, or the From user when there is none; From: always the user part of the From URI.',
  }),
  d.optText('PrimaryRadiusAcctIp', {
    noEffect: NOT_BUILT,
    type: 'host name or IP address',
    check: (a: Arg) => parseHost(a),
    doc: 'RADIUS accounting server records go to first.',
  }),
  d.int('PrimaryRadiusAcctPort', { noEffect: NOT_BUILT, default: 1813, min: 1, max: 65535, doc: 'UDP port of the primary accounting server (1813 is the standard port).' }),
  d.optText('PrimaryRadiusAcctSecret', {
    noEffect: NOT_BUILT,
    type: 'secret',
    check: parseSecret,
    doc: 'Shared secret with the primary accounting server. Never logged; keep this file readable only by csps.',
  }),
  d.optText('SecondaryRadiusAcctIp', {
    noEffect: NOT_BUILT,
    type: 'host name or IP address',
    check: (a: Arg) => parseHost(a),
    doc: 'RADIUS accounting server used while the primary does not answer.',
  }),
  d.int('SecondaryRadiusAcctPort', { noEffect: NOT_BUILT, default: 1813, min: 1, max: 65535, doc: 'UDP port of the secondary accounting server.' }),
  d.optText('SecondaryRadiusAcctSecret', {
    noEffect: NOT_BUILT,
    type: 'secret',
    check: parseSecret,
    doc: 'Shared secret with the secondary accounting server. Never logged.',
  }),
  d.repeated('AcctIncludeSIPHeader', {
    noEffect: NOT_BUILT,
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
