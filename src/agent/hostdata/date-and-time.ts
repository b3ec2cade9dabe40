// SNMPv2-TC DateAndTime: 11 octets, year (2 octets, network order), month, day, hour,
// minutes, seconds, deci-seconds, then direction from UTC ('+' or '-'), hours and minutes
// from UTC. Local time, so that a manager sees the host's own clock and zone.

/**
 * Encode `date` as local time. `tzOffsetMinutes` is minutes EAST of UTC (UTC+1 → 60);
 * by default the host's own offset at that instant (Date's getTimezoneOffset is west-positive).
 */
export function encodeDateAndTime(date: Date, tzOffsetMinutes = -date.getTimezoneOffset()): Buffer {
  const local = new Date(date.getTime() + tzOffsetMinutes * 60_000);
  const buf = Buffer.alloc(11);
  buf.writeUInt16BE(local.getUTCFullYear(), 0);
  buf[2] = local.getUTCMonth() + 1;
  buf[3] = local.getUTCDate();
  buf[4] = local.getUTCHours();
  buf[5] = local.getUTCMinutes();
  // A leap second (60) cannot come from a JavaScript Date, so 0..59 is all we write.
  buf[6] = local.getUTCSeconds();
  buf[7] = Math.floor(local.getUTCMilliseconds() / 100);
  const abs = Math.abs(tzOffsetMinutes);
  buf[8] = tzOffsetMinutes < 0 ? 0x2d : 0x2b; // '-' : '+'
  buf[9] = Math.floor(abs / 60);
  buf[10] = abs % 60;
  return buf;
}

/** Decode an 8- or 11-octet DateAndTime to a Date (undefined when malformed). Used by tests and hrSystemDate readers. */
export function decodeDateAndTime(buf: Buffer): Date | undefined {
  if (buf.length !== 8 && buf.length !== 11) return undefined;
  const year = buf.readUInt16BE(0);
  const [month, day, hour, min, sec, deci] = [buf[2], buf[3], buf[4], buf[5], buf[6], buf[7]];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60 || deci > 9) return undefined;
  let offset = 0;
  if (buf.length === 11) {
    if (buf[8] !== 0x2b && buf[8] !== 0x2d) return undefined;
    offset = (buf[8] === 0x2d ? -1 : 1) * (buf[9] * 60 + buf[10]);
  }
  return new Date(Date.UTC(year, month - 1, day, hour, min, sec, deci * 100) - offset * 60_000);
}
