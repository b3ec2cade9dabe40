// The control socket: a Unix domain socket beside the pid file (logs/sipd.pid →
// logs/sipd.ctl) over which the sip script asks sipd for its status, a graceful
// restart or a transaction-graceful drain. One JSON object per line each way.
//
//   {"cmd":"status"}
//   {"cmd":"graceful"}
//   {"cmd":"txngraceful","seconds":30,"behavior":1,"retryAfter":60}
//   {"cmd":"config"}        the text of sipd.conf as sipd loaded it (pserver's required operations)
//   {"cmd":"connections"}   open TCP/TLS connections and the persistent peers
//   {"cmd":"db","db":"routing"|"registry","op":…}   (sysadmin_sps_regroute; see db-control.ts)
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { validateDbRequest } from './db-control.js';
import type { DbRequest } from './db-control.js';

export type ControlRequest =
  | { readonly cmd: 'status' }
  | { readonly cmd: 'graceful' }
  | { readonly cmd: 'config' }
  | { readonly cmd: 'connections' }
  | { readonly cmd: 'txngraceful'; readonly seconds: number; readonly behavior: 1 | 2; readonly retryAfter?: number }
  | DbRequest;

export type ControlReply = Record<string, unknown>;

export type ControlHandler = (req: ControlRequest) => Promise<ControlReply> | ControlReply;

/** The socket path that goes with a pid file: same directory, same base name, ".ctl". */
export function controlSocketPath(pidFile: string): string {
  const dir = path.dirname(pidFile);
  const base = path.basename(pidFile, path.extname(pidFile)) || path.basename(pidFile);
  return path.join(dir, `${base}.ctl`);
}

const MAX_LINE = 64 * 1024;

/** Check a decoded line; a string return is the error to send back. */
export function validateRequest(v: unknown): ControlRequest | string {
  if (!v || typeof v !== 'object') return 'expected a JSON object';
  const o = v as Record<string, unknown>;
  switch (o.cmd) {
    case 'status':
    case 'graceful':
    case 'config':
    case 'connections':
      return { cmd: o.cmd };
    case 'txngraceful': {
      const seconds = o.seconds;
      if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1 || seconds > 86400) return 'txngraceful: "seconds" must be an integer from 1 to 86400';
      if (o.behavior !== 1 && o.behavior !== 2) return 'txngraceful: "behavior" must be 1 (answer 503) or 2 (no answer)';
      const retryAfter = o.retryAfter ?? 60;
      if (typeof retryAfter !== 'number' || !Number.isInteger(retryAfter) || retryAfter < 0 || retryAfter > 86400) return 'txngraceful: "retryAfter" must be an integer from 0 to 86400';
      return { cmd: 'txngraceful', seconds, behavior: o.behavior, retryAfter };
    }
    case 'db':
      return validateDbRequest(o);
    default:
      return `unknown command ${JSON.stringify(o.cmd)}; known: status, graceful, config, connections, txngraceful, db`;
  }
}

export class ControlServer {
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly path: string,
  ) {}

  /**
   * Listen on the socket path, replacing a leftover socket file (the caller has made
   * sure no other sipd owns it: the pid file said so). Only the owner may connect.
   */
  static listen(socketPath: string, handler: ControlHandler, onError: (msg: string) => void): Promise<ControlServer> {
    if (existsSync(socketPath)) unlinkSync(socketPath);
    return new Promise((resolve, reject) => {
      const server = net.createServer();
      const control = new ControlServer(server, socketPath);
      server.on('connection', (s) => control.serve(s, handler, onError));
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        server.on('error', (e) => onError(`control socket ${socketPath}: ${e.message}`));
        try {
          chmodSync(socketPath, 0o600);
        } catch {
          /* best effort */
        }
        resolve(control);
      });
    });
  }

  private serve(socket: net.Socket, handler: ControlHandler, onError: (msg: string) => void): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setTimeout(30_000, () => socket.destroy());
    let buffered = '';
    let queue: Promise<void> = Promise.resolve();
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      if (buffered.length > MAX_LINE && !buffered.includes('\n')) {
        socket.end(JSON.stringify({ ok: false, error: 'request line too long' }) + '\n');
        return;
      }
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (!line) continue;
        // Requests on one connection are answered in order.
        queue = queue.then(() => this.answer(line, handler, onError)).then((reply) => {
          if (!socket.destroyed) socket.write(JSON.stringify(reply) + '\n');
        });
      }
    });
  }

  private async answer(line: string, handler: ControlHandler, onError: (msg: string) => void): Promise<ControlReply> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return { ok: false, error: 'not valid JSON' };
    }
    const req = validateRequest(parsed);
    if (typeof req === 'string') return { ok: false, error: req };
    try {
      return await handler(req);
    } catch (e) {
      onError(`control command ${req.cmd} failed: ${(e as Error).stack ?? e}`);
      return { ok: false, error: (e as Error).message };
    }
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
    try {
      unlinkSync(this.path);
    } catch {
      /* already gone */
    }
  }
}

/**
 * Send one command and wait for its reply. Rejects when the socket is not there or
 * refuses (sipd not running, or too old to have one), or after timeoutMs.
 */
export function controlRequest(socketPath: string, req: ControlRequest, timeoutMs = 10_000): Promise<ControlReply> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(socketPath);
    let buffered = '';
    let done = false;
    const finish = (err: Error | undefined, reply?: ControlReply) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(reply!);
    };
    const timer = setTimeout(() => finish(Object.assign(new Error(`no answer on ${socketPath} within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(JSON.stringify(req) + '\n'));
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const nl = buffered.indexOf('\n');
      if (nl < 0) return;
      try {
        finish(undefined, JSON.parse(buffered.slice(0, nl)) as ControlReply);
      } catch {
        finish(new Error(`unreadable answer on ${socketPath}`));
      }
    });
    socket.on('error', (e) => finish(e));
    socket.on('close', () => finish(new Error(`${socketPath} closed without an answer`)));
  });
}
