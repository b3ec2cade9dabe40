// Date formats used by the log files. All of them are in local time, as Apache writes them.
//
//   error_log, stats logs:  Fri Apr 20 21:44:51 2001       (errorLogDate)
//   access_log %t:          10/Oct/2000:13:55:36 -0700     (accessLogDate, without the brackets)
//   access_log %{...}t:     a strftime-like pattern        (strftime)

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const DAYS_LONG = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
const MONTHS_LONG = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function pad3(n: number): string {
  return n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n);
}

/** The local UTC offset of a date as "+hhmm" / "-hhmm". */
export function utcOffset(d: Date): string {
  const east = -d.getTimezoneOffset(); // minutes east of UTC
  const sign = east < 0 ? '-' : '+';
  const a = Math.abs(east);
  return `${sign}${pad2(Math.floor(a / 60))}${pad2(a % 60)}`;
}

// Both formats have one-second resolution and are asked for many times a second on a busy
// server, so the last result of each is kept.
let lastErrSec = NaN;
let lastErr = '';
let lastAccSec = NaN;
let lastAcc = '';

/** "Fri Apr 20 21:44:51 2001": the date of error_log and stats_log lines (the day has a leading 0). */
export function errorLogDate(d: Date = new Date()): string {
  const sec = Math.floor(d.getTime() / 1000);
  if (sec === lastErrSec) return lastErr;
  const s =
    `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${pad2(d.getDate())} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())} ${d.getFullYear()}`;
  lastErrSec = sec;
  lastErr = s;
  return s;
}

/** "10/Oct/2000:13:55:36 -0700": the access-log time of %t, without the surrounding brackets. */
export function accessLogDate(d: Date): string {
  const sec = Math.floor(d.getTime() / 1000);
  if (sec === lastAccSec) return lastAcc;
  const s =
    `${pad2(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())} ${utcOffset(d)}`;
  lastAccSec = sec;
  lastAcc = s;
  return s;
}

function dayOfYear(d: Date): number {
  const start = new Date(d.getFullYear(), 0, 1);
  // Use calendar days so that a DST change does not shift the count.
  const a = Date.UTC(d.getFullYear(), d.getMonth(), d.getDate());
  const b = Date.UTC(start.getFullYear(), 0, 1);
  return Math.round((a - b) / 86_400_000) + 1;
}

/**
 * A small strftime for %{...}t. Conversions: %a %A %b %h %B %c %C %d %D %e %F %H %I %j %k %l %m
 * %M %n %p %r %R %s %S %t %T %u %w %y %Y %z %Z %%. Any other %x is copied unchanged.
 */
export function strftime(pattern: string, d: Date): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c !== '%' || i + 1 >= pattern.length) {
      out += c;
      continue;
    }
    const k = pattern[++i];
    switch (k) {
      case 'a': out += DAYS[d.getDay()]; break;
      case 'A': out += DAYS_LONG[d.getDay()]; break;
      case 'b':
      case 'h': out += MONTHS[d.getMonth()]; break;
      case 'B': out += MONTHS_LONG[d.getMonth()]; break;
      case 'c': out += errorLogDate(d); break;
      case 'C': out += pad2(Math.floor(d.getFullYear() / 100)); break;
      case 'd': out += pad2(d.getDate()); break;
      case 'D': out += `${pad2(d.getMonth() + 1)}/${pad2(d.getDate())}/${pad2(d.getFullYear() % 100)}`; break;
      case 'e': out += String(d.getDate()).padStart(2, ' '); break;
      case 'F': out += `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`; break;
      case 'H': out += pad2(d.getHours()); break;
      case 'I': out += pad2(d.getHours() % 12 || 12); break;
      case 'j': out += pad3(dayOfYear(d)); break;
      case 'k': out += String(d.getHours()).padStart(2, ' '); break;
      case 'l': out += String(d.getHours() % 12 || 12).padStart(2, ' '); break;
      case 'm': out += pad2(d.getMonth() + 1); break;
      case 'M': out += pad2(d.getMinutes()); break;
      case 'n': out += '\n'; break;
      case 'p': out += d.getHours() < 12 ? 'AM' : 'PM'; break;
      case 'r': out += `${pad2(d.getHours() % 12 || 12)}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())} ${d.getHours() < 12 ? 'AM' : 'PM'}`; break;
      case 'R': out += `${pad2(d.getHours())}:${pad2(d.getMinutes())}`; break;
      case 's': out += String(Math.floor(d.getTime() / 1000)); break;
      case 'S': out += pad2(d.getSeconds()); break;
      case 't': out += '\t'; break;
      case 'T': out += `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`; break;
      case 'u': out += String(d.getDay() || 7); break;
      case 'w': out += String(d.getDay()); break;
      case 'y': out += pad2(d.getFullYear() % 100); break;
      case 'Y': out += String(d.getFullYear()); break;
      case 'z': out += utcOffset(d); break;
      case 'Z': out += timeZoneName(d); break;
      case '%': out += '%'; break;
      default: out += `%${k}`;
    }
  }
  return out;
}

function timeZoneName(d: Date): string {
  try {
    const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName');
    return part?.value ?? utcOffset(d);
  } catch {
    return utcOffset(d);
  }
}
