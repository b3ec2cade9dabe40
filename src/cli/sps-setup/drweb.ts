// The agent's Dr-Web pages (ciagent --http), off unless drweb_port is answered. The service
// definitions (systemd unit, init script, SMF manifest) read conf/ciagent.env and pass
// CIAGENT_HTTP to ciagent, so turning the pages on or off is an sps_setup run and a restart
// of the agent; no package file changes. No web user is made here: snmpd.cnf's
// httpUserNameEntry lines are the users, and `ciagent --hash-password` prints one.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isIPv6 } from '../../config/define.js';
import { makeSelfSignedCertificate } from '../../common/web/listen.js';
import { writeKeeping } from './file-writing.js';

export const AGENT_ENV_FILE = 'ciagent.env';

/** conf/ciagent.env's text: CIAGENT_HTTP empty (pages off) or the --http options. */
export function agentEnvText(http: { address: string; port: string; certFile: string; keyFile: string } | undefined): string {
  const head = '# ciagent.env -- options the agent service adds to ciagent, written by sps_setup (drweb_port).\n';
  if (!http) return `${head}CIAGENT_HTTP=\n`;
  const where = isIPv6(http.address) ? `[${http.address}]:${http.port}` : `${http.address}:${http.port}`;
  return `${head}CIAGENT_HTTP="--http ${where} --http-cert ${http.certFile} --http-key ${http.keyFile}"\n`;
}

/**
 * Write conf/ciagent.env for the drweb_port answer, making the pages' self-signed
 * certificate (data/ciagent/drweb-*.pem, for `host`) when they are on. Returns false when
 * the certificate could not be made (the pages then stay off).
 */
export async function writeAgentEnv(conf: string, port: string, address: string, host: string, say: (n: string) => void): Promise<boolean> {
  const file = path.join(conf, AGENT_ENV_FILE);
  let text = agentEnvText(undefined);
  let ok = true;
  if (port) {
    try {
      const t = await makeSelfSignedCertificate(path.join(conf, '..', 'data', 'ciagent'), host, 'drweb');
      text = agentEnvText({ address: address || '127.0.0.1', port, ...t });
      say(`agent Dr-Web pages: https://${host}:${port}/ with the self-signed certificate ${t.certFile}; add a user to snmpd.cnf with the line "ciagent --hash-password NAME SystemAdmin" prints (password on stdin), then restart the agent`);
    } catch (e) {
      ok = false;
      say(`agent Dr-Web pages stay off: no certificate made (${(e as Error).message})`);
    }
  }
  const before = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  if (before !== text) writeKeeping(file, text, 0o644);
  return ok;
}
