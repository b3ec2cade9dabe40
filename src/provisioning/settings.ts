// conf/ps.conf (the guide's name; sps_setup writes PServerPort there): pserver's own few
// settings, in sipd.conf's directive syntax and read by the same loader, so a mistake is
// reported as file:line:column with the valid values.
import { configLoader } from '../config/loader.js';
import type { Config, ConfigMessage } from '../config/loader.js';
import { directivesFor, parseIpAddress } from '../config/define.js';
import { schemaOf } from '../config/schema.js';
import { ValueError } from '../config/spec.js';
import { accountNameProblem } from './accounts.js';
import { LOG_LEVELS } from '../logging/directives.js';
import type { LogLevelName } from '../logging/directives.js';
import type { WebListen } from '../common/web/listen.js';

const d = directivesFor('pserver', 'pserver');


export const PSERVER_DIRECTIVES = [
  d.optText('ServerRoot', { type: 'path', doc: 'The directory relative paths start from. Default: the parent of the directory holding ps.conf (the install prefix).' }),
  d.text('PServerAddress', {
    default: '0.0.0.0',
    type: 'IP address',
    check: (a) => parseIpAddress(a),
    doc: 'The address the GUI listens on (0.0.0.0: every IPv4 address; :: every address). HTTPS unless PServerPlainHttp is On, which only a loopback address allows.',
  }),
  d.int('PServerPort', { default: 26005, min: 1, max: 65535, doc: 'The TCP port of the GUI (sps_setup asks for it).' }),
  d.text('PServerFirstAdministrator', {
    default: 'cspsuser',
    type: 'user ID',
    check: (a) => {
      const problem = accountNameProblem(a.text);
      if (problem) throw new ValueError(problem, 0);
      return a.text;
    },
    doc: 'The administrator pserver creates at its first start, when it has no account at all, with a one-time password (in data/pserver/initial-password and pserver_log) that must be changed at first login.',
  }),
  d.optText('PServerCertificateFile', { type: 'path', doc: 'PEM certificate (chain) for HTTPS. When neither it nor PServerKeyFile is set, pserver makes a self-signed pair in data/pserver/ at first start (or sps_setup did).' }),
  d.optText('PServerKeyFile', { type: 'path', doc: "PEM private key of PServerCertificateFile; keep it readable only by pserver's account." }),
  d.onOff('PServerPlainHttp', {
    default: false,
    doc: 'On: serve plain HTTP (no TLS). Refused unless PServerListen is a loopback address: for tests, or behind a reverse proxy on the same host that does HTTPS.',
  }),
  d.optText('PServerTrustedProxy', {
    type: 'IP address',
    check: (a) => parseIpAddress(a),
    doc: 'The address of a reverse proxy in front of pserver: its X-Forwarded-For is believed, so logs, lockout messages and rate limits see the real client.',
  }),
  d.text('PServerSipdConf', { default: 'conf/sipd.conf', type: 'path', doc: 'The sipd.conf pserver shows and edits.' }),
  d.int('PServerSessionIdleMinutes', { default: 30, min: 1, max: 1440, unit: 'minutes', doc: 'A session unused this long ends; the user signs in again.' }),
  d.int('PServerLockoutAttempts', { default: 5, min: 1, max: 100, doc: 'Failed logins for one user ID within PServerLockoutMinutes that lock it.' }),
  d.int('PServerLockoutMinutes', { default: 15, min: 1, max: 1440, unit: 'minutes', doc: 'The window failures are counted in, and how long a locked user ID stays locked.' }),
  d.int('PServerRequestsPerMinute', { default: 1200, min: 10, max: 1_000_000, doc: 'Requests one client address may make per minute (logins have their own limit of 30).' }),
  d.oneOf('PServerLogLevel', { values: LOG_LEVELS, default: 'info', doc: 'Least severity written to logs/pserver_log (info includes one line per request).' }),
  d.text('PServerPidFile', { default: 'logs/pserver.pid', type: 'path', doc: 'Where the running pserver writes its process id.' }),
] as const;

export const PSERVER_SCHEMA = schemaOf([
  {
    name: 'pserver',
    sections: [{ id: 'pserver', title: 'Provisioning server (pserver)', page: 1 }],
    directives: PSERVER_DIRECTIVES,
    checks: [
      (v) => {
        const x = v as unknown as Record<string, unknown>;
        if (Boolean(x.PServerCertificateFile) === Boolean(x.PServerKeyFile)) return [];
        return [{ directive: x.PServerCertificateFile ? 'PServerCertificateFile' : 'PServerKeyFile', message: 'set both PServerCertificateFile and PServerKeyFile, or neither' }];
      },
    ],
  },
]);

const loader = configLoader(PSERVER_SCHEMA);

export interface PserverSettings {
  readonly file: string;
  readonly serverRoot: string;
  readonly listen: WebListen;
  readonly firstAdministrator: string;
  /** Absolute paths, or null when pserver makes its own self-signed pair. */
  readonly certificateFile: string | null;
  readonly keyFile: string | null;
  readonly plainHttp: boolean;
  readonly trustedProxy: string | null;
  readonly sipdConf: string;
  readonly sessionIdleMinutes: number;
  readonly lockoutAttempts: number;
  readonly lockoutMinutes: number;
  readonly requestsPerMinute: number;
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
    listen: { host: v.PServerAddress as string, port: v.PServerPort as number },
    firstAdministrator: v.PServerFirstAdministrator as string,
    certificateFile: opt('PServerCertificateFile'),
    keyFile: opt('PServerKeyFile'),
    plainHttp: v.PServerPlainHttp as boolean,
    trustedProxy: (v.PServerTrustedProxy as string | undefined) ?? null,
    sipdConf: c.path(v.PServerSipdConf as string),
    sessionIdleMinutes: v.PServerSessionIdleMinutes as number,
    lockoutAttempts: v.PServerLockoutAttempts as number,
    lockoutMinutes: v.PServerLockoutMinutes as number,
    requestsPerMinute: v.PServerRequestsPerMinute as number,
    logLevel: v.PServerLogLevel as LogLevelName,
    pidFile: c.path(v.PServerPidFile as string),
    warnings: c.warnings,
  };
}

/** ps.conf text checked, as sps_setup does before it writes the file. */
export function checkPserverSettingsText(text: string, file: string): readonly ConfigMessage[] {
  const r = loader.parseConfig(text, file);
  return r.ok ? [] : r.errors;
}

/** ps.conf read and checked, or every error in it. A missing file means all defaults (ServerRoot from its location). */
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

