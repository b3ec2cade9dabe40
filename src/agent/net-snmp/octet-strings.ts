// OCTET STRING values on net-snmp's SET path (not among the numbered defects of
// docs/net-snmp-defects.md): the library hands SET handlers Buffer.toString(), which mangles
// octets that are not UTF-8 text, such as BITS values (RFC 2578 §7.1.4).
import snmp from 'net-snmp';

/**
 * net-snmp hands SET handlers an OCTET STRING as Buffer.toString() (UTF-8), so octets that
 * are not UTF-8 text arrived mangled (a BITS value 0x80, mteEventActions' notification bit,
 * became U+FFFD). Values that do not survive that conversion stay Buffers; text is a string
 * as before. (The library's own object: patched once per process.)
 */
export function keepBinaryOctetStrings(): void {
  type Cast = (type: number, value: unknown, constraints?: unknown) => unknown;
  const util = (snmp as unknown as { ObjectTypeUtil: { castSetValue: Cast & { keepsBinary?: true } } }).ObjectTypeUtil;
  if (util.castSetValue.keepsBinary) return;
  const cast = util.castSetValue.bind(util);
  const fixed: Cast & { keepsBinary?: true } = (type, value, constraints) => {
    const out = cast(type, value, constraints);
    return type === snmp.ObjectType.OctetString && Buffer.isBuffer(value) && typeof out === 'string' && !Buffer.from(out).equals(value) ? value : out;
  };
  fixed.keepsBinary = true;
  util.castSetValue = fixed;
}
