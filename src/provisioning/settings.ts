// conf/pserver.conf: pserver's own few settings, in sipd.conf's directive syntax and read
// by the same loader, so a mistake is reported as file:line:column with the valid values.
import { configLoader } from '../config/loader.js';
import type { Config, ConfigMessage } from '../config/loader.js';
import { directivesFor, parseIpAddress } from '../config/define.js';
import { schemaOf } from '../config/schema.js';
import { ValueError } from '../config/spec.js';
import type { Arg } from '../config/spec.js';
import { LOG_LEVELS } from '../logging/directives.js';
import type { LogLevelName } from '../logging/directives.js';
import { parseListen } from '../common/web/listen.js';
import type { WebListen } from '../common/web/listen.js';

const d = directivesFor('pserver', 'pserver');

function listenArg(a: Arg): string {
  const r = parseListen(a.text);
  if (typeof r === 'string') throw new ValueError(r, 0);
  return a.text;
}

export const PSERVER_DIRECTIVES = [
  d.optText('ServerRoot', { type: 'path', doc: 'The directory relative paths start from. Default: the parent of the directory holding pserver.conf (the install prefix).' }),
  d.text('PserverListen', {
    default: '0.0.0.0:26005',
    type: 'ADDRESS:PORT',
    check: listenArg,
    doc: 'The address and port the GUI listens on. HTTPS unless PserverPlainHttp is On, which only a loopback address allows.',
  }),
  d.optText('PserverCertificateFile', { type: 'path', doc: 'PEM certificate (chain) for HTTPS. When neither it nor PserverKeyFile is set, pserver makes a self-signed pair in conf/ssl/ at first start.' }),
  d.optText('PserverKeyFile', { type: 'path', doc: "PEM private key of PserverCertificateFile; keep it readable only by pserver's account." }),
  d.onOff('PserverPlainHttp', {
    default: false,
    doc: 'On: serve plain HTTP (no TLS). Refused unless PserverListen is a loopback address: for tests, or behind a reverse proxy on the same host that does HTTPS.',
  }),
  d.optText('PserverTrustedProxy', {
    type: 'IP address',
    check: (a) => parseIpAddress(a),
    doc: 'The address of a reverse proxy in front of pserver: its X-Forwarded-For is believed, so logs, lockout messages and rate limits see the real client.',
  }),
  d.text('PserverSipdConf', { default: 'conf/sipd.conf', type: 'path', doc: 'The sipd.conf pserver shows and edits.' }),
  d.int('PserverSessionIdleMinutes', { default: 30, min: 1, max: 1440, unit: 'minutes', doc: 'A session unused this long ends; the user signs in again.' }),
  d.int('PserverLockoutAttempts', { default: 5, min: 1, max: 100, doc: 'Failed logins for one user ID within PserverLockoutMinutes that lock it.' }),
  d.int('PserverLockoutMinutes', { default: 15, min: 1, max: 1440, unit: 'minutes', doc: 'The window failures are counted in, and how long a locked user ID stays locked.' }),
  d.oneOf('PserverLogLevel', { values: LOG_LEVELS, default: 'info', doc: 'Least severity written to logs/pserver_log (info includes one line per request).' }),
  d.text('PserverPidFile', { default: 'logs/pserver.pid', type: 'path', doc: 'Where the running pserver writes its process id.' }),
] as const;

export const PSERVER_SCHEMA = schemaOf([
  {
    name: 'pserver',
    sections: [{ id: 'pserver', title: 'Provisioning server (pserver)', page: 1 }],
    directives: PSERVER_DIRECTIVES,
    checks: [
      (v) => {
        const x = v as unknown as Record<string, unknown>;
        if (Boolean(x.PserverCertificateFile) === Boolean(x.PserverKeyFile)) return [];
        return [{ directive: x.PserverCertificateFile ? 'PserverCertificateFile' : 'PserverKeyFile', message: 'set both PserverCertificateFile and PserverKeyFile, or neither' }];
      },
    ],
  },
]);

const loader = configLoader(PSERVER_SCHEMA);

export interface PserverSettings {
  readonly file: string;
  readonly serverRoot: string;
  readonly listen: WebListen;
  /** Absolute paths, or null when pserver makes its own self-signed pair. */
  readonly certificateFile: string | null;
  readonly keyFile: string | null;
  readonly plainHttp: boolean;
  readonly trustedProxy: string | null;
  readonly sipdConf: string;
  readonly sessionIdleMinutes: number;
  readonly lockoutAttempts: number;
  readonly lockoutMinutes: number;
  readonly logLevel: LogLevelName;
  readonly pidFile: string;
  readonly warnings: readonly ConfigMessage[];
}

function settingsOf(c: Config): PserverSettings {
  const v = c.values as unknown as Record<string, unknown>;
  const opt = (k: string) => (typeof v[k] === 'string' ? c.path(v[k] as string) : null);
  return {
    file: c.file,
    serverRoot: c.serverRoot,
    listen: parseListen(v.PserverListen as string) as WebListen,
    certificateFile: opt('PserverCertificateFile'),
    keyFile: opt('PserverKeyFile'),
    plainHttp: v.PserverPlainHttp as boolean,
    trustedProxy: (v.PserverTrustedProxy as string | undefined) ?? null,
    sipdConf: c.path(v.PserverSipdConf as string),
    sessionIdleMinutes: v.PserverSessionIdleMinutes as number,
    lockoutAttempts: v.PserverLockoutAttempts as number,
    lockoutMinutes: v.PserverLockoutMinutes as number,
    logLevel: v.PserverLogLevel as LogLevelName,
    pidFile: c.path(v.PserverPidFile as string),
    warnings: c.warnings,
  };
}

/** pserver.conf read and checked, or every error in it. A missing file means all defaults (ServerRoot from its location). */
export function loadPserverSettings(file: string, extra: readonly string[] = []): { ok: true; settings: PserverSettings } | { ok: false; errors: readonly ConfigMessage[] } {
  const r = loader.loadConfigFile(file, { after: extra });
  if (!r.ok) {
    const missing = r.errors.length === 1 && r.errors[0].line === 0 && /ENOENT/.test(r.errors[0].message);
    if (!missing) return { ok: false, errors: r.errors };
    const d = loader.parseConfig('', file, { after: extra });
    return d.ok ? { ok: true, settings: settingsOf(d.config) } : { ok: false, errors: d.errors };
  }
  return { ok: true, settings: settingsOf(r.config) };
}

