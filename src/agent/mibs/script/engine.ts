// The Script MIB engine (RFC 3165) in plain TypeScript: languages, registered scripts,
// launch buttons and runs. Only scripts the administrator registered in the population
// file (conf/smpop.cnf) run; nothing received over the network becomes a command or an
// argument (./index.ts refuses those writes). A run is
// `/bin/sh -c COMMAND sh [ARGUMENT]` in the install directory, in its own process group so
// that a lifetime kill also ends what the script started.
//
// ./index.ts maps the rows onto DISMAN-SCRIPT-MIB tables.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Varbind } from '../../mib-module.js';
import { SCRIPT_OIDS, SH_LANGUAGE_OID, OPENSPS_ENTERPRISE, EXIT_CODE, dateAndTime, ownerNameIndex } from './types.js';
import type { ExitCode, LangRow, LaunchRow, RunRow, ScriptOperStatus, ScriptRow, LaunchOperStatus } from './types.js';

export interface ScriptIo {
  notify(trapOid: string, varbinds: Varbind[]): void | Promise<void>;
  log?(level: 'error' | 'warn' | 'info' | 'debug', message: string): void;
  /** Told when a run row appears, changes state or goes away (the adapter syncs its table). */
  runsChanged?(): void;
}

export interface ScriptEngineOptions {
  /** Working directory of every run (the install directory, so "bin/sip" resolves). */
  cwd: string;
  /** The shell; /bin/sh unless a test says otherwise. */
  shell?: string;
  /** smRunResult keeps at most this many bytes of standard output (default 1024). */
  resultMax?: number;
  /** Extra environment for runs. */
  env?: NodeJS.ProcessEnv;
  /** After a SIGTERM (lifetime, abort), SIGKILL follows this many ms later (default 2000). */
  killGraceMs?: number;
  /** smLangRevision: our version. */
  revision?: string;
}

export type LaunchResult = { ok: true; runIndex: number } | { ok: false; error: 'inconsistentValue' | 'noCreation' | 'wrongValue'; reason: string };

interface Live {
  child?: ChildProcess;
  lifeTimer?: NodeJS.Timeout;
  killTimer?: NodeJS.Timeout;
  expireTimer?: NodeJS.Timeout;
  endedBy?: 'lifetime' | 'abort';
  stdout: Buffer[];
  stdoutLen: number;
  stderr: string;
  done?: Promise<void>;
}

const key = (...p: (string | number)[]) => p.join('\u0000');
const INT32_MAX = 2147483647;

export class ScriptEngine {
  readonly langs: LangRow[];
  readonly scripts = new Map<string, ScriptRow>();
  readonly launches = new Map<string, LaunchRow>();
  readonly runs = new Map<string, RunRow>();
  private readonly live = new Map<string, Live>();
  private stopped = false;

  constructor(
    private readonly io: ScriptIo,
    private readonly opts: ScriptEngineOptions,
  ) {
    this.langs = [
      {
        index: 1,
        language: SH_LANGUAGE_OID,
        version: 'POSIX',
        vendor: OPENSPS_ENTERPRISE,
        revision: opts.revision ?? '',
        descr: `POSIX shell (${opts.shell ?? '/bin/sh'}) running commands registered by the administrator`,
      },
    ];
  }

  // ---- population ------------------------------------------------------------------

  addScript(row: ScriptRow): void {
    this.scripts.set(key(row.owner, row.name), row);
  }
  addLaunch(row: LaunchRow): void {
    this.launches.set(key(row.owner, row.name), row);
  }
  /** Unregister a script (reload): runs already started keep running. */
  removeScript(owner: string, name: string): boolean {
    return this.scripts.delete(key(owner, name));
  }
  /** Remove a launch button (reload): its runs keep running and expire as usual. */
  removeLaunch(owner: string, name: string): boolean {
    return this.launches.delete(key(owner, name));
  }
  getScript(owner: string, name: string): ScriptRow | undefined {
    return this.scripts.get(key(owner, name));
  }
  getLaunch(owner: string, name: string): LaunchRow | undefined {
    return this.launches.get(key(owner, name));
  }
  getRun(owner: string, name: string, index: number): RunRow | undefined {
    return this.runs.get(key(owner, name, index));
  }
  /** Runs of one launch, by index. */
  runsOf(owner: string, name: string): RunRow[] {
    return [...this.runs.values()].filter((r) => r.launchOwner === owner && r.launchName === name).sort((a, b) => a.index - b.index);
  }

  scriptOperStatus(s: ScriptRow): ScriptOperStatus {
    if (s.adminStatus === 'editing') return 'editing';
    if (s.adminStatus === 'disabled') return 'disabled';
    if (!this.langs.some((l) => l.index === s.language)) return 'wrongLanguage';
    return s.command.trim() === '' ? 'noSuchScript' : 'enabled';
  }

  launchOperStatus(l: LaunchRow): LaunchOperStatus {
    return l.adminStatus === 'disabled' ? 'disabled' : 'enabled';
  }

  /** Launch every row whose admin status is autostart (once, at agent start). */
  autostart(): void {
    for (const l of this.launches.values()) {
      if (l.adminStatus !== 'autostart') continue;
      const r = this.launch(l.owner, l.name, 0);
      if (!r.ok) this.io.log?.('warn', `smLaunch ${l.owner}/${l.name}: autostart refused: ${r.reason}`);
    }
  }

  // ---- launching -------------------------------------------------------------------

  /** Why a SET of smLaunchStart to `requested` would be refused; undefined when it would work. */
  checkLaunch(owner: string, name: string, requested: number): Exclude<LaunchResult, { ok: true }> | undefined {
    const l = this.getLaunch(owner, name);
    if (!l) return { ok: false, error: 'noCreation', reason: `no launch button ${owner}/${name}` };
    if (!Number.isInteger(requested) || requested < 0 || requested > INT32_MAX) return { ok: false, error: 'wrongValue', reason: `run index ${requested} is out of range 0..${INT32_MAX}` };
    if (this.launchOperStatus(l) !== 'enabled') return { ok: false, error: 'inconsistentValue', reason: 'the launch button is disabled' };
    const s = this.getScript(l.scriptOwner, l.scriptName);
    if (!s) return { ok: false, error: 'inconsistentValue', reason: `script ${l.scriptOwner}/${l.scriptName} is not registered` };
    const so = this.scriptOperStatus(s);
    if (so !== 'enabled') return { ok: false, error: 'inconsistentValue', reason: `script ${s.owner}/${s.name} is ${so}` };
    const active = this.runsOf(owner, name).filter((r) => r.state !== 'terminated').length;
    if (active >= l.maxRunning) return { ok: false, error: 'inconsistentValue', reason: `${active} run(s) active, smLaunchMaxRunning is ${l.maxRunning}` };
    if (requested !== 0 && this.runs.has(key(owner, name, requested))) return { ok: false, error: 'inconsistentValue', reason: `run index ${requested} is in use` };
    if (requested === 0 && this.pickIndex(l) === undefined) return { ok: false, error: 'inconsistentValue', reason: 'no free run index' };
    return undefined;
  }

  /** SET smLaunchStart: start a run; 0 lets the engine pick the run index. */
  launch(owner: string, name: string, requested = 0): LaunchResult {
    const refusal = this.checkLaunch(owner, name, requested);
    const l = this.getLaunch(owner, name);
    if (refusal) {
      if (l) {
        l.error = refusal.reason;
        l.lastChange = new Date();
      }
      return refusal;
    }
    const launch = l!;
    const script = this.getScript(launch.scriptOwner, launch.scriptName)!;
    const index = requested !== 0 ? requested : this.pickIndex(launch)!;
    launch.runIndexNext = index >= INT32_MAX ? 1 : index + 1;
    launch.lastStarted = index;
    launch.error = '';
    const now = Date.now();
    const run: RunRow = {
      launchOwner: owner,
      launchName: name,
      index,
      argument: launch.argument,
      startTime: new Date(now),
      lifeTime: launch.lifeTime,
      lifeTimeFrom: now,
      expireTime: launch.expireTime,
      exitCode: 'noError',
      result: Buffer.alloc(0),
      state: 'initializing',
      error: '',
    };
    this.runs.set(key(owner, name, index), run);
    this.execute(run, script);
    this.io.runsChanged?.();
    return { ok: true, runIndex: index };
  }

  private pickIndex(l: LaunchRow): number | undefined {
    let i = l.runIndexNext >= 1 && l.runIndexNext <= INT32_MAX ? l.runIndexNext : 1;
    for (let tries = 0; tries < 100_000; tries++) {
      if (!this.runs.has(key(l.owner, l.name, i))) return i;
      i = i >= INT32_MAX ? 1 : i + 1;
    }
    return undefined;
  }

  private execute(run: RunRow, script: ScriptRow): void {
    const k = key(run.launchOwner, run.launchName, run.index);
    const live: Live = { stdout: [], stdoutLen: 0, stderr: '' };
    this.live.set(k, live);
    const max = this.opts.resultMax ?? 1024;
    let child: ChildProcess;
    const args = ['-c', script.command, 'sh', ...(run.argument !== '' ? [run.argument] : [])];
    live.done = new Promise<void>((resolve) => {
      try {
        child = spawn(this.opts.shell ?? '/bin/sh', args, {
          cwd: this.opts.cwd,
          env: { ...process.env, ...this.opts.env, SM_LAUNCH_OWNER: run.launchOwner, SM_LAUNCH_NAME: run.launchName, SM_RUN_INDEX: String(run.index) },
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
        });
      } catch (e) {
        this.finish(run, live, { spawnError: (e as Error).message });
        resolve();
        return;
      }
      live.child = child;
      child.on('spawn', () => {
        if (run.state === 'initializing') run.state = 'executing';
        this.io.runsChanged?.();
      });
      child.stdout!.on('data', (d: Buffer) => {
        if (live.stdoutLen >= max) return;
        const part = d.subarray(0, max - live.stdoutLen);
        live.stdout.push(part);
        live.stdoutLen += part.length;
      });
      child.stderr!.on('data', (d: Buffer) => {
        if (live.stderr.length < 4096) live.stderr += d.toString('utf8');
      });
      child.on('error', (e) => {
        this.finish(run, live, { spawnError: e.message });
        resolve();
      });
      child.on('close', (code, signal) => {
        this.finish(run, live, { code, signal });
        resolve();
      });
    });
    this.armLifeTime(run);
  }

  private armLifeTime(run: RunRow): void {
    const live = this.live.get(key(run.launchOwner, run.launchName, run.index));
    if (!live || run.state === 'terminated') return;
    if (live.lifeTimer) clearTimeout(live.lifeTimer);
    const left = Math.max(0, run.lifeTime * 10 - (Date.now() - run.lifeTimeFrom));
    live.lifeTimer = setTimeout(() => this.kill(run, 'lifetime'), left);
    live.lifeTimer.unref();
  }

  private kill(run: RunRow, why: 'lifetime' | 'abort'): void {
    const live = this.live.get(key(run.launchOwner, run.launchName, run.index));
    if (!live?.child || run.state === 'terminated') return;
    live.endedBy ??= why;
    run.state = 'aborting';
    const pid = live.child.pid;
    const signal = (sig: NodeJS.Signals) => {
      try {
        if (pid) process.kill(-pid, sig); // the whole process group
      } catch {
        try {
          live.child?.kill(sig);
        } catch {
          /* already gone */
        }
      }
    };
    signal('SIGCONT');
    signal('SIGTERM');
    live.killTimer = setTimeout(() => signal('SIGKILL'), this.opts.killGraceMs ?? 2000);
    live.killTimer.unref();
  }

  private finish(run: RunRow, live: Live, how: { code?: number | null; signal?: NodeJS.Signals | null; spawnError?: string }): void {
    if (run.state === 'terminated') return;
    if (live.lifeTimer) clearTimeout(live.lifeTimer);
    if (live.killTimer) clearTimeout(live.killTimer);
    const now = new Date();
    run.endTime = now;
    run.result = Buffer.concat(live.stdout);
    if (run.result.length) run.resultTime = now;
    const stderrLine = live.stderr.trim().split('\n').pop()?.slice(0, 255) ?? '';
    let exit: ExitCode;
    let error = '';
    if (how.spawnError !== undefined) {
      exit = 'genericError';
      error = `cannot start ${this.opts.shell ?? '/bin/sh'}: ${how.spawnError}`;
    } else if (live.endedBy === 'lifetime') {
      exit = 'lifeTimeExceeded';
      error = `killed: its lifetime of ${run.lifeTime / 100} s ran out`;
    } else if (live.endedBy === 'abort') {
      exit = 'halted';
      error = 'aborted through smRunControl or smLaunchControl';
    } else if (how.code === 0) {
      exit = 'noError';
    } else if (how.code !== null && how.code !== undefined) {
      // 126/127: the shell could not run or find the command.
      exit = how.code === 126 || how.code === 127 ? 'languageError' : 'runtimeError';
      error = stderrLine || `exit status ${how.code}`;
    } else {
      exit = 'genericError';
      error = `killed by ${how.signal ?? 'a signal'}`;
    }
    run.exitCode = exit;
    run.error = error.slice(0, 255);
    if (error) run.errorTime = now;
    run.state = 'terminated';
    run.expireFrom = Date.now();
    this.io.log?.(exit === 'noError' ? 'info' : 'warn', `smRun ${run.launchOwner}/${run.launchName}/${run.index} ended: ${exit}${error ? ` (${error})` : ''}`);

    const idx = `${ownerNameIndex(run.launchOwner, run.launchName)}.${run.index}`;
    const note =
      exit === 'noError'
        ? this.io.notify(SCRIPT_OIDS.smScriptResult, [{ oid: `${SCRIPT_OIDS.smRunResult}.${idx}`, type: 'OctetString', value: run.result }])
        : this.io.notify(SCRIPT_OIDS.smScriptAbort, [
            { oid: `${SCRIPT_OIDS.smRunExitCode}.${idx}`, type: 'Integer', value: EXIT_CODE[exit] },
            { oid: `${SCRIPT_OIDS.smRunEndTime}.${idx}`, type: 'OctetString', value: dateAndTime(run.endTime) },
            { oid: `${SCRIPT_OIDS.smRunError}.${idx}`, type: 'OctetString', value: run.error },
          ]);
    Promise.resolve(note).catch((e: Error) => this.io.log?.('warn', `smRun notification failed: ${e.message}`));

    live.child = undefined;
    this.armExpiry(run);
    this.trimCompleted(run.launchOwner, run.launchName);
    this.io.runsChanged?.();
  }

  private armExpiry(run: RunRow): void {
    const k = key(run.launchOwner, run.launchName, run.index);
    const live = this.live.get(k);
    if (!live || run.state !== 'terminated' || this.stopped) return;
    if (live.expireTimer) clearTimeout(live.expireTimer);
    const left = Math.max(0, run.expireTime * 10 - (Date.now() - (run.expireFrom ?? Date.now())));
    live.expireTimer = setTimeout(() => this.removeRun(k), left);
    live.expireTimer.unref();
  }

  private removeRun(k: string): void {
    const live = this.live.get(k);
    if (live?.expireTimer) clearTimeout(live.expireTimer);
    this.live.delete(k);
    if (this.runs.delete(k)) this.io.runsChanged?.();
  }

  /** smLaunchMaxCompleted: the oldest finished runs go first. */
  private trimCompleted(owner: string, name: string): void {
    const l = this.getLaunch(owner, name);
    if (!l) return;
    const done = this.runsOf(owner, name)
      .filter((r) => r.state === 'terminated')
      .sort((a, b) => (a.endTime?.getTime() ?? 0) - (b.endTime?.getTime() ?? 0) || a.index - b.index);
    while (done.length > l.maxCompleted) {
      const r = done.shift()!;
      this.removeRun(key(owner, name, r.index));
    }
  }

  // ---- run control -----------------------------------------------------------------

  /** smRunLifeTime / smRunExpireTime as read: what is left, in centiseconds. */
  lifeTimeLeft(run: RunRow): number {
    if (run.state === 'terminated') return 0;
    return Math.max(0, run.lifeTime - Math.floor((Date.now() - run.lifeTimeFrom) / 10));
  }
  expireTimeLeft(run: RunRow): number {
    if (run.state !== 'terminated' || run.expireFrom === undefined) return run.expireTime;
    return Math.max(0, run.expireTime - Math.floor((Date.now() - run.expireFrom) / 10));
  }

  setRunLifeTime(run: RunRow, cs: number): void {
    run.lifeTime = cs;
    run.lifeTimeFrom = Date.now();
    this.armLifeTime(run);
  }

  setRunExpireTime(run: RunRow, cs: number): void {
    run.expireTime = cs;
    if (run.state === 'terminated') {
      run.expireFrom = Date.now();
      this.armExpiry(run);
    }
  }

  /** smRunControl; false when the control does not apply to the run's state. */
  controlRun(run: RunRow, control: 'abort' | 'suspend' | 'resume' | 'nop'): boolean {
    if (control === 'nop') return true;
    const live = this.live.get(key(run.launchOwner, run.launchName, run.index));
    if (!live?.child || run.state === 'terminated') return false;
    const pid = live.child.pid;
    const group = (sig: NodeJS.Signals) => {
      try {
        if (pid) process.kill(-pid, sig);
        return true;
      } catch {
        return false;
      }
    };
    switch (control) {
      case 'abort':
        this.kill(run, 'abort');
        return true;
      case 'suspend':
        if (run.state !== 'executing') return false;
        if (group('SIGSTOP')) run.state = 'suspended';
        return run.state === 'suspended';
      case 'resume':
        if (run.state !== 'suspended') return false;
        if (group('SIGCONT')) run.state = 'executing';
        return run.state === 'executing';
    }
  }

  /** Settles when the run has terminated (tests; shutdown). */
  async waitForRun(owner: string, name: string, index: number): Promise<RunRow | undefined> {
    await this.live.get(key(owner, name, index))?.done;
    return this.getRun(owner, name, index);
  }

  /** Abort every run still going and drop the timers (agent shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    const pending: Promise<void>[] = [];
    for (const [k, live] of this.live) {
      const run = this.runs.get(k);
      if (run && live.child && run.state !== 'terminated') {
        this.kill(run, 'abort');
        if (live.done) pending.push(live.done);
      }
      if (live.expireTimer) clearTimeout(live.expireTimer);
    }
    await Promise.all(pending);
    for (const live of this.live.values()) {
      if (live.lifeTimer) clearTimeout(live.lifeTimer);
      if (live.killTimer) clearTimeout(live.killTimer);
      if (live.expireTimer) clearTimeout(live.expireTimer);
    }
  }
}
