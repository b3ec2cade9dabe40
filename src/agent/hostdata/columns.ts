// Value helpers shared by the hostagt, interfaces and sappagt MIB adapters (src/agent/mibs/).

/** Cut a string to at most `max` bytes of UTF-8 without splitting a character (DisplayString sizes). */
export function clip(s: string, max: number): string {
  if (Buffer.byteLength(s) <= max) return s;
  let out = s.slice(0, max);
  while (Buffer.byteLength(out) > max) out = out.slice(0, -1);
  return out;
}

/** DateAndTime for "not known": year 0, January 1st, midnight (what net-snmp answers too). */
export const UNKNOWN_DATE = Buffer.from([0, 0, 1, 1, 0, 0, 0, 0]);
