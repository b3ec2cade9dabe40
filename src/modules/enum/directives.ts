// Directives of the ENUM module (RFC 6116): turning an E.164 number into Request-URIs
// through NAPTR records under a DNS suffix.
import { directivesFor, parseDomainName } from '../../config/define.js';
import type { Arg, ValuesOf } from '../../config/spec.js';

const d = directivesFor('enum', 'enum');

export const enumDirectives = [
  d.onOff('Cisco_Enum', {
    default: false,
    doc: 'Look called numbers up in ENUM and use the URIs found as targets.',
  }),
  d.optText('Cisco_Enum_Domain', {
    type: 'domain name',
    check: (a: Arg) => parseDomainName(a),
    doc: 'DNS suffix of a private ENUM tree, used for numbers without a leading +. Numbers starting with + always use Cisco_Enum_Global_Domain.',
  }),
  d.text('Cisco_Enum_Global_Domain', {
    default: 'e164.arpa',
    type: 'domain name',
    check: (a: Arg) => parseDomainName(a),
    doc: 'DNS suffix for numbers that start with +, and for all numbers when Cisco_Enum_Domain is unset.',
  }),
] as const;

type EnumValues = ValuesOf<typeof enumDirectives>;
declare module '../../config/values.js' {
  interface ConfigValues extends EnumValues {}
}
