// pserver for tests: the compiled bin/pserver on a free 127.0.0.1 port (plain HTTP, or HTTPS
// with the self-signed certificate it makes at first start), and WebClient, a small HTTP
// client with a cookie jar that signs in and sends the CSRF token the way a browser or a
// script would.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';
import { BIN } from './paths.js';

export interface PserverOptions {
  /** The ServerRoot (conf/, data/, logs/ under it); a temporary one, removed by stop(), when absent. */
  readonly dir?: string;
  /** The sipd.conf pserver edits; default <dir>/conf/sipd.conf (an empty one is written when missing). */
  readonly sipdConf?: string;
  /** More ps.conf lines, after the helper's (do not repeat its directives). */
  readonly extraConf?: readonly string[];
  /** Serve HTTPS with the certificate pserver makes at first start, instead of plain HTTP. */
  readonly https?: boolean;
  /** Environment for the pserver process (added to this one's). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface TestPserver {
  readonly url: string;
  readonly dir: string;
  readonly port: number;
  /** cspsuser's one-time password when this start created the account, else null. */
  readonly initialPassword: string | null;
  readonly logFile: string;
  readonly process: ChildProcess;
  /** Everything pserver wrote to stdout and stderr so far. */
  output(): string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;

export async function startPserver(o: PserverOptions = {}): Promise<TestPserver> {
  const own = !o.dir;
  const dir = o.dir ?? mkdtempSync(path.join(os.tmpdir(), 'opensps-pserver-'));
  mkdirSync(path.join(dir, 'conf'), { recursive: true });
  const sipdConf = o.sipdConf ?? path.join(dir, 'conf', 'sipd.conf');
  if (!existsSync(sipdConf)) writeFileSync(sipdConf, '');
  const port = await freePort();
  const conf = path.join(dir, 'conf', 'ps.conf');
  writeFileSync(
    conf,
    [`ServerRoot ${dir}`, 'PServerAddress 127.0.0.1', `PServerPort ${port}`, `PServerPlainHttp ${o.https ? 'Off' : 'On'}`, `PServerSipdConf ${sipdConf}`, 'PServerLogLevel debug', ...(o.extraConf ?? [])].join('\n') + '\n',
  );
  const child = spawn(process.execPath, [path.join(BIN, 'pserver'), '--config', conf, 'run'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...o.env } });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    }
    if (own) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`pserver did not listen within ${START_TIMEOUT_MS / 1000} s:\n${out}`)), START_TIMEOUT_MS);
      const onData = () => {
        const m = /listening on (\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      child.stdout!.on('data', onData);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`pserver exited during start (${signal ?? `code ${code}`}):\n${out}`));
      });
    });
    const pwFile = path.join(dir, 'data', 'pserver', 'initial-password');
    const initialPassword = existsSync(pwFile) ? readFileSync(pwFile, 'utf8').trim().split(' ')[1] ?? null : null;
    return { url, dir, port, initialPassword, logFile: path.join(dir, 'logs', 'pserver_log'), process: child, output: () => out, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

export interface WebResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** The Set-Cookie lines as sent. */
  readonly setCookies: readonly string[];
  json<T = Record<string, unknown>>(): T;
}

export interface RequestOptions {
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** Send the CSRF token in x-csrf-token (default true for every method but GET and HEAD). */
  readonly csrf?: boolean;
}

/** Finds the hidden _csrf field of a page. */
export function csrfFromHtml(html: string): string | undefined {
  return /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
}

export class WebClient {
  readonly cookies = new Map<string, string>();
  csrfToken = '';

  constructor(readonly baseUrl: string) {}

  request(method: string, p: string, o: RequestOptions = {}): Promise<WebResponse> {
    const url = new URL(p, this.baseUrl);
    const headers: Record<string, string> = { accept: 'text/html,application/json;q=0.9', ...o.headers };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if ((o.csrf ?? !['GET', 'HEAD'].includes(method)) && this.csrfToken) headers['x-csrf-token'] = this.csrfToken;
    if (o.body !== undefined) headers['content-length'] = String(Buffer.byteLength(o.body));
    const lib = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = lib.request(url, { method, headers, rejectUnauthorized: false, timeout: 30_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const setCookies = res.headers['set-cookie'] ?? [];
          for (const c of setCookies) this.keepCookie(c);
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, setCookies, json: <T>() => JSON.parse(body) as T });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${p}: no answer within 30 s`)));
      req.on('error', reject);
      if (o.body !== undefined) req.write(o.body);
      req.end();
    });
  }

  private keepCookie(line: string): void {
    const [pair, ...attrs] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]) < Date.now()));
    if (expired || !value) this.cookies.delete(name);
    else this.cookies.set(name, value);
  }

  get(p: string, o: RequestOptions = {}): Promise<WebResponse> {
    return this.request('GET', p, o);
  }

  /** A form post; `_csrf` is added from the current token unless the fields carry one (or csrf is false). */
  postForm(p: string, fields: Readonly<Record<string, string>>, o: RequestOptions = {}): Promise<WebResponse> {
    const all = o.csrf === false || '_csrf' in fields || !this.csrfToken ? fields : { ...fields, _csrf: this.csrfToken };
    return this.request('POST', p, { ...o, csrf: false, body: new URLSearchParams(all as Record<string, string>).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', ...o.headers } });
  }

  postJson(p: string, data: unknown, o: RequestOptions = {}): Promise<WebResponse> {
    return this.request('POST', p, { ...o, body: JSON.stringify(data), headers: { 'content-type': 'application/json', accept: 'application/json', ...o.headers } });
  }

  putJson(p: string, data: unknown, o: RequestOptions = {}): Promise<WebResponse> {
    return this.request('PUT', p, { ...o, body: JSON.stringify(data), headers: { 'content-type': 'application/json', accept: 'application/json', ...o.headers } });
  }

  delete(p: string, o: RequestOptions = {}): Promise<WebResponse> {
    return this.request('DELETE', p, { ...o, headers: { accept: 'application/json', ...o.headers } });
  }

  /** Signs in through the JSON API; keeps the session cookie and the CSRF token. Throws unless it worked. */
  async login(user: string, password: string): Promise<{ mustChangePassword: boolean; role: string }> {
    const r = await this.postJson('/api/session', { user, password }, { csrf: false });
    if (r.status !== 200) throw new Error(`login as ${user} failed: ${r.status} ${r.body}`);
    const j = r.json<{ csrfToken: string; mustChangePassword: boolean; role: string }>();
    this.csrfToken = j.csrfToken;
    return j;
  }

  /** Signs in through the login page, as a browser does; returns the answer to the form post. */
  async loginForm(user: string, password: string): Promise<WebResponse> {
    const page = await this.get('/login');
    const token = csrfFromHtml(page.body) ?? '';
    const r = await this.postForm('/login', { user, password, _csrf: token });
    if (r.status === 303) await this.refreshCsrf();
    return r;
  }

  /** Changes the signed-in user's password through the API (the session id changes, so the token does too). */
  async changePassword(oldPassword: string, newPassword: string): Promise<WebResponse> {
    const r = await this.postJson('/api/password', { oldPassword, newPassword });
    if (r.status === 200) this.csrfToken = r.json<{ csrfToken: string }>().csrfToken;
    return r;
  }

  /** Signs in with a new account's initial password and replaces it with `newPassword`. */
  async firstLogin(user: string, initialPassword: string, newPassword: string): Promise<void> {
    await this.login(user, initialPassword);
    const r = await this.changePassword(initialPassword, newPassword);
    if (r.status !== 200) throw new Error(`password change for ${user} failed: ${r.status} ${r.body}`);
  }

  /** Takes the CSRF token from a page the signed-in user can open. */
  async refreshCsrf(p = '/password'): Promise<string> {
    const r = await this.get(p);
    this.csrfToken = csrfFromHtml(r.body) ?? this.csrfToken;
    return this.csrfToken;
  }
}
