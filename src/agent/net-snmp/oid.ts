// Numeric OIDs as number arrays: parsing and lexicographic order (RFC 3416 §4.2.2), on the
// hot path of every walk. No library defect: net-snmp parses with split/regex per varbind,
// which was the largest cost of a bulk walk in a CPU profile.

export function oidToAddress(oid: string): number[] {
  // On every varbind and every VACM check of a walk: one pass over the characters, no
  // split/regex (they were the largest cost of a bulk walk in a CPU profile).
  const out: number[] = [];
  let i = oid.charCodeAt(0) === 46 ? 1 : 0; // a leading '.'
  if (i >= oid.length) throw new Error(`not a numeric OID: ${oid}`);
  let n = 0;
  let digits = 0;
  for (; i <= oid.length; i++) {
    const c = i < oid.length ? oid.charCodeAt(i) : 46;
    if (c >= 48 && c <= 57) {
      n = n * 10 + (c - 48);
      digits++;
      continue;
    }
    if (c !== 46 || digits === 0) throw new Error(`not a numeric OID: ${oid}`);
    if (n > 0xffffffff) throw new Error(`OID sub-identifier too large in ${oid}`);
    out.push(n);
    n = 0;
    digits = 0;
  }
  return out;
}

export function compareOids(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}
