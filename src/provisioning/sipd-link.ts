// How pserver reaches the sipd of this host, as an operator would: the control socket
// beside sipd's pid file for questions (status, the configuration it loaded, its
// connections), and the `sip` control script for stop, start, restart and graceful restart,
// so that the GUI does exactly what `sip` does at a shell.
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../config/loader.js';
import { controlRequest, controlSocketPath } from '../server/control.js';
import type { ControlReply, ControlRequest } from '../server/control.js';

export type SipCommand = 'start' | 'stop' | 'restart' | 'graceful';
export const SIP_COMMANDS: readonly SipCommand[] = ['start', 'stop', 'restart', 'graceful'];

export interface SipOutcome {
  readonly command: SipCommand;
  readonly ok: boolean;
  readonly exitCode: number | null;
  /** What `sip` printed (standard output then standard error), trimmed. */
  readonly output: string;
}

/** Longest a `sip` command may take: a stop waits up to 15 s and a start up to 20 s. */
const SIP_TIMEOUT_MS = 60_000;

export class SipdLink {
  constructor(
    /** sipd.conf, as handed to `sip -f`. */
    private readonly configFile: string,
    /** The current configuration (for the pid file and so the control socket). */
    private readonly config: () => Config,
    /** bin/sip of the installation. */
    private readonly sipScript: string,
  ) {}

  get controlSocket(): string {
    const c = this.config();
    return controlSocketPath(c.path(c.values.PidFile));
  }

  /** One control request; undefined when sipd does not answer (stopped, or starting). */
  async ask(req: ControlRequest, timeoutMs = 5_000): Promise<ControlReply | undefined> {
    try {
      const r = await controlRequest(this.controlSocket, req, timeoutMs);
      return r.ok === false ? undefined : r;
    } catch {
      return undefined;
    }
  }

  /** Run `sip <command> -f sipd.conf` and report what it said. Never rejects. */
  run(command: SipCommand): Promise<SipOutcome> {
    return new Promise((resolve) => {
      execFile(process.execPath, [this.sipScript, command, '-f', this.configFile], { timeout: SIP_TIMEOUT_MS, maxBuffer: 256 * 1024 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? ((err as unknown as { code: number }).code) : null) : 0;
        const output = [stdout, stderr, err && code === null ? err.message : ''].filter((s) => s && s.trim()).join('\n').trim();
        resolve({ command, ok: code === 0, exitCode: code, output });
      });
    });
  }
}

/** bin/sip under an install prefix. */
export function sipScriptOf(prefix: string): string {
  return path.join(prefix, 'bin', 'sip');
}

/** Names this host answers to, to tell which farm member is this one. */
export function localNames(): Set<string> {
  const names = new Set<string>(['localhost', os.hostname().toLowerCase(), os.hostname().split('.')[0].toLowerCase()]);
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) names.add(a.address.toLowerCase());
  return names;
}
