// Checks that involve more than one directive, run after the whole file is read.
// Each names the directive to blame; the loader turns it into file:line.
import type { ConfigValues } from './schema.js';
import type { Origin } from './loader.js';
import { compileLogFormat } from '../logging/log-format.js';

export interface Problem {
  readonly directive: string;
  readonly message: string;
}
export type Check = (v: ConfigValues, origin: (name: string) => Origin | undefined) => Problem[];

const accessLogFormat: Check = (v) => {
  const problems: Problem[] = [];
  for (const name of ['CustomLog', 'CommonLog'] as const) {
    const setting = v[name];
    if (!setting) continue;
    if (!setting.format.includes('%') && !(setting.format in v.LogFormat)) {
      problems.push({ directive: name, message: `"${setting.format}" is neither a LogFormat nickname nor a format string; known nicknames: ${Object.keys(v.LogFormat).join(', ')}` });
    }
  }
  return problems;
};

// A LogFormat (or a CustomLog given a literal format) must compile: unknown % codes are errors.
const logFormatCodes: Check = (v) => {
  const problems: Problem[] = [];
  for (const [nick, fmt] of Object.entries(v.LogFormat)) {
    const r = compileLogFormat(fmt);
    if (!r.ok) problems.push({ directive: 'LogFormat', message: `format "${nick}": ${r.error} at character ${r.index + 1}` });
  }
  for (const name of ['CustomLog', 'CommonLog'] as const) {
    const fmt = v[name]?.format;
    if (!fmt?.includes('%')) continue;
    const r = compileLogFormat(fmt);
    if (!r.ok) problems.push({ directive: name, message: `${r.error} at character ${r.index + 1}` });
  }
  return problems;
};

const timers: Check = (v) =>
  v.SipMaxT3InMs < v.SipT3InMs ? [{ directive: 'SipMaxT3InMs', message: `${v.SipMaxT3InMs} is below SipT3InMs (${v.SipT3InMs}); the maximum wait cannot be shorter than the default wait` }] : [];

const tlsFiles: Check = (v) => {
  if (!v.SipTlsEnable) return [];
  const missing = (['SipTlsCertificateFile', 'SipTlsCertificateKeyFile'] as const).filter((n) => !v[n]);
  return missing.length ? [{ directive: 'SipTlsEnable', message: `TLS is On but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set` }] : [];
};

const virtualDomains: Check = (v) =>
  v.VirtualProxyHost.filter((b) => v.ProxyDomain && b.Virtual_Proxy_Domain?.toLowerCase() === v.ProxyDomain.toLowerCase()).map((b) => ({
    directive: 'ProxyDomain',
    message: `<VirtualProxyHost ${b.id}> (line ${b.line}) uses the same domain "${b.Virtual_Proxy_Domain}"; a virtual proxy domain must differ from ProxyDomain`,
  }));

export const CHECKS: readonly Check[] = [accessLogFormat, logFormatCodes, timers, tlsFiles, virtualDomains];
