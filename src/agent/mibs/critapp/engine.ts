// The critical-application supervisor behind CRITAPP-MIB (critagt's job), with no SNMP in
// it: one row per process, each with an intended (admin) status and a real (oper) status.
//
// - The operational status is what runs, found in /proc on every poll (see
//   proc-scan.ts), not what we last asked for: by name, or by pid file (below).
// - Start and stop run the row's commands via /bin/sh -c, asynchronously. While a start
//   command runs and the process is not yet seen the row is `starting`; while a stop runs
//   and the process is still seen it is `stopping`. A start command that neither exits nor
//   produces the process within commandTimeoutMs is killed (with its process group).
// - A row with a pid file (critAppPidFile, OpenSPS's addition) is up only while the pid
//   in that file is alive and called NAME: one instance among several (two sipd on a
//   host) is then told apart. Relative pid files are taken from `cwd`.
// - When the start command itself becomes the process (it `exec`s, or is the program) we
//   are its parent and learn its exit status; for a process found by name (a daemon a
//   launcher left behind, or one adopted at start-up) the status is unknown (null).
// - An exit that was not asked for (admin status up, no stop in progress) with
//   restartOnExit set schedules the start command after restartInterval centiseconds;
//   restartCount counts those restarts.
// - Events (always emitted; the SNMP adapter applies the trap switches):
//     started(row)                    a process appeared (started, adopted or found)
//     exited(row, exit)               it disappeared
//     allRunning(counts) / notAllRunning(counts)
//                                     edge-triggered over the rows whose admin status is
//                                     up; not judged while one of them is still starting;
//                                     the first judgement after start() is silent
//     commandFailed(row, failure)     a start/stop command failed, timed out or the
//                                     launcher ended without the process appearing
import { EventEmitter } from 'node:events';
import path from 'node:path';
import type { CritAppProcConfig, AdminStatus } from './critagt-cnf.js';
import { readPid } from '../../../common/pidfile.js';
import { findProcesses, processInfo, processIsCalled } from './proc-scan.js';
import { commandSettings, runShell } from './shell.js';
import type { ShellResult, ShellRun } from './shell.js';

export type { CommandFailure, CritAppEngineEvents, CritAppEngineOptions, CritAppRow, ExitInfo, OperStatus, RunningCounts } from './types.js';
import type { CommandFailure, CritAppEngineEvents, CritAppEngineOptions, CritAppRow, ExitInfo, OperStatus, RunningCounts } from './types.js';

interface RowState {
  cfg: CritAppProcConfig;
  pid: number;
  /** The start command now running (or the process itself, when it exec'd). */
  startRun: ShellRun | undefined;
  /** startRun's shell became the process: its exit is the process's exit. */
  childIsProcess: boolean;
  stopRun: ShellRun | undefined;
  action: 'none' | 'starting' | 'stopping';
  actionTimer: NodeJS.Timeout | undefined;
  restartTimer: NodeJS.Timeout | undefined;
  lastStartTime: Date | undefined;
  lastExit: ExitInfo | undefined;
  restartCount: number;
  removed: boolean;
  /** Engine epoch of the row's last appearance/exit: scans begun before it are stale. */
  changedAt: number;
}

type Judgement = 'none' | 'all' | 'notAll';

export class CritAppEngine extends EventEmitter<CritAppEngineEvents> {
  private readonly rowsByIndex = new Map<number, RowState>();
  private readonly pollMs: number;
  private readonly commandTimeoutMs: number;
  private readonly stopGraceMs: number;
  private readonly cwd: string | undefined;
  private readonly log: NonNullable<CritAppEngineOptions['log']>;
  private pollTimer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private pollAgain = false;
  private judgement: Judgement | undefined;
  private running = false;
  /** Advances on every appearance/exit; a scan only judges rows that did not change while it ran. */
  private epoch = 0;

  constructor(rows: readonly CritAppProcConfig[], opts: CritAppEngineOptions = {}) {
    super();
    this.pollMs = opts.pollMs ?? 2000;
    this.stopGraceMs = opts.stopGraceMs ?? 10_000;
    ({ commandTimeoutMs: this.commandTimeoutMs, cwd: this.cwd, log: this.log } = commandSettings(opts));
    for (const cfg of rows) this.rowsByIndex.set(cfg.index, newRow(cfg));
  }

  /**
   * First scan; adopt running processes of rows with findOnStartup; start the rows whose
   * admin status is up and that are not running; then poll.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const found = await this.locate([...this.rowsByIndex.values()]);
    for (const row of this.rowsByIndex.values()) {
      const pids = found.get(row) ?? [];
      if (row.cfg.findOnStartup && pids.length > 0) this.appeared(row, pids[0]);
      else if (row.cfg.adminStatus === 'up') this.runStart(row);
    }
    this.judge();
    this.pollTimer = setInterval(() => void this.pollNow(), this.pollMs);
    this.pollTimer.unref();
  }

  /** Stop supervising: timers and polling end; the supervised processes keep running. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    for (const row of this.rowsByIndex.values()) clearTimers(row);
    await this.polling;
  }

  rows(): CritAppRow[] {
    return [...this.rowsByIndex.values()].sort((a, b) => a.cfg.index - b.cfg.index).map(snapshot);
  }

  row(index: number): CritAppRow | undefined {
    const r = this.rowsByIndex.get(index);
    return r ? snapshot(r) : undefined;
  }

  counts(): RunningCounts {
    let numProcs = 0;
    let numRunning = 0;
    for (const r of this.rowsByIndex.values()) {
      if (r.cfg.adminStatus !== 'up') continue;
      numProcs++;
      if (r.pid > 0) numRunning++;
    }
    return { numProcs, numRunning };
  }

  /**
   * Set the intended status and act on it: up starts the process unless it runs, down
   * stops it if it runs. Returns at once (false for an unknown row); the command runs in
   * the background and the row's oper status shows its progress.
   */
  setAdminStatus(index: number, status: AdminStatus): boolean {
    const row = this.rowsByIndex.get(index);
    if (!row) return false;
    row.cfg = { ...row.cfg, adminStatus: status };
    if (status === 'up') {
      if (row.pid === 0) this.runStart(row);
    } else {
      this.runStop(row);
    }
    this.judge();
    return true;
  }

  /**
   * Add a row, or change an existing one's configuration (for SNMP SETs). Changing the
   * name drops the tracked pid; the next scan looks for the new name. A new row whose
   * admin status is up is started unless a process of that name already runs (with
   * findOnStartup). Changing adminStatus here does not start/stop: use setAdminStatus.
   */
  async upsertRow(cfg: CritAppProcConfig): Promise<void> {
    const existing = this.rowsByIndex.get(cfg.index);
    if (existing) {
      if (existing.cfg.name !== cfg.name) {
        existing.pid = 0;
        existing.childIsProcess = false;
      }
      existing.cfg = { ...cfg };
      await this.pollNow();
      return;
    }
    const row = newRow(cfg);
    this.rowsByIndex.set(cfg.index, row);
    if (!this.running) return;
    const scanEpoch = this.epoch;
    const pids = (await this.locate([row])).get(row) ?? [];
    if (row.removed || row.changedAt > scanEpoch) return;
    if (cfg.findOnStartup && pids.length > 0) this.appeared(row, pids[0]);
    else if (cfg.adminStatus === 'up') this.runStart(row);
    this.judge();
  }

  /** Forget a row. Its process is left running (critAppRowStatus destroy). */
  removeRow(index: number): boolean {
    const row = this.rowsByIndex.get(index);
    if (!row) return false;
    row.removed = true;
    clearTimers(row);
    this.rowsByIndex.delete(index);
    this.judge();
    return true;
  }

  /** Scan /proc now and reconcile every row (also what the timer calls). */
  pollNow(): Promise<void> {
    if (this.polling) {
      this.pollAgain = true;
      return this.polling;
    }
    this.polling = (async () => {
      try {
        do {
          this.pollAgain = false;
          await this.pollOnce();
        } while (this.pollAgain);
      } catch (e) {
        this.log('error', `critapp: scanning processes failed: ${(e as Error).message}`);
      } finally {
        this.polling = undefined;
      }
    })();
    return this.polling;
  }

  private async pollOnce(): Promise<void> {
    const rows = [...this.rowsByIndex.values()];
    const scanEpoch = this.epoch;
    const found = await this.locate(rows);
    for (const row of rows) {
      // An exit or start handled while /proc was being read makes this scan stale for the
      // row (it could show a process that has since been reaped); the next poll decides.
      if (row.removed || row.changedAt > scanEpoch) continue;
      const pids = found.get(row) ?? [];
      if (row.pid > 0) {
        if (pids.includes(row.pid)) continue;
        // Our own child: its exit (handled in startCommandEnded, which clears startRun)
        // carries the status; wait for it rather than report an unknown one.
        if (row.childIsProcess && row.startRun) continue;
        this.disappeared(row, null);
      }
      if (row.pid === 0 && pids.length > 0) {
        const ours = row.startRun?.pid;
        this.appeared(row, ours !== undefined && pids.includes(ours) ? ours : pids[0]);
      }
      if (row.action === 'stopping' && row.pid === 0 && !row.stopRun) this.endAction(row);
    }
    this.judge();
  }

  /** The live pids of each row: by pid file when the row has one, else by name. */
  private async locate(rows: RowState[]): Promise<Map<RowState, number[]>> {
    const result = new Map<RowState, number[]>();
    const byName = rows.filter((r) => !r.cfg.pidFile);
    const named = await findProcesses(byName.map((r) => r.cfg.name));
    for (const r of byName) result.set(r, named.get(r.cfg.name) ?? []);
    await Promise.all(
      rows
        .filter((r) => r.cfg.pidFile)
        .map(async (r) => {
          const pid = readPid(path.resolve(this.cwd ?? process.cwd(), r.cfg.pidFile));
          const info = pid === undefined ? undefined : await processInfo(pid);
          result.set(r, info && processIsCalled(info, r.cfg.name) ? [info.pid] : []);
        }),
    );
    return result;
  }

  // ---- transitions ------------------------------------------------------------------

  private appeared(row: RowState, pid: number): void {
    row.changedAt = ++this.epoch;
    row.pid = pid;
    row.childIsProcess = row.startRun?.pid === pid;
    row.lastStartTime = new Date();
    if (row.action === 'starting') this.endAction(row);
    this.log('info', `critapp: ${row.cfg.name} (row ${row.cfg.index}) is running, pid ${pid}`);
    this.emit('started', snapshot(row));
  }

  private disappeared(row: RowState, code: number | null): void {
    const requested = row.cfg.adminStatus === 'down' || row.action === 'stopping';
    const exit: ExitInfo = { time: new Date(), code, requested };
    row.changedAt = ++this.epoch;
    this.log(requested ? 'info' : 'warning', `critapp: ${row.cfg.name} (row ${row.cfg.index}, pid ${row.pid}) exited${code === null ? '' : ` with status ${code}`}${requested ? '' : ' unexpectedly'}`);
    row.pid = 0;
    row.childIsProcess = false;
    row.lastExit = exit;
    if (row.action === 'stopping' && !row.stopRun) this.endAction(row);
    if (!requested && row.cfg.restartOnExit && this.running) this.scheduleRestart(row);
    this.emit('exited', snapshot(row), exit);
  }

  private scheduleRestart(row: RowState): void {
    if (row.restartTimer) return;
    row.restartTimer = setTimeout(() => {
      row.restartTimer = undefined;
      if (row.removed || !this.running || row.cfg.adminStatus !== 'up' || row.pid > 0) return;
      row.restartCount++;
      this.log('info', `critapp: restarting ${row.cfg.name} (row ${row.cfg.index}), restart ${row.restartCount}`);
      this.runStart(row);
      this.judge();
    }, row.cfg.restartInterval * 10);
    row.restartTimer.unref();
  }

  private endAction(row: RowState): void {
    row.action = 'none';
    if (row.actionTimer) clearTimeout(row.actionTimer);
    row.actionTimer = undefined;
  }

  private fail(row: RowState, failure: CommandFailure): void {
    const detail = failure.result ? ` (status ${failure.result.status ?? 'none'}${failure.result.error ? `, ${failure.result.error}` : ''})` : '';
    const out = failure.result?.output.trim() ? `: ${failure.result.output.trim().split('\n').slice(-3).join(' / ')}` : '';
    this.log('error', `critapp: ${failure.which} command of ${row.cfg.name} (row ${row.cfg.index}) failed: ${failure.reason}${detail}${out}`);
    this.emit('commandFailed', snapshot(row), failure);
  }

  private runStart(row: RowState): void {
    if (row.action === 'starting' || row.pid > 0) return;
    if (row.restartTimer) clearTimeout(row.restartTimer);
    row.restartTimer = undefined;
    const command = row.cfg.startCommand;
    if (!command) {
      this.fail(row, { which: 'start', command, reason: 'noCommand' });
      return;
    }
    row.action = 'starting';
    const run = runShell(command, { timeoutMs: 0, env: this.commandEnv(row), cwd: this.cwd });
    row.startRun = run;
    row.actionTimer = setTimeout(() => {
      row.actionTimer = undefined;
      if (row.action !== 'starting' || row.pid > 0) return;
      run.kill('SIGKILL');
      row.action = 'none';
      this.fail(row, { which: 'start', command, reason: 'timeout' });
      this.judge();
    }, this.commandTimeoutMs);
    row.actionTimer.unref();
    void run.done.then((result) => this.startCommandEnded(row, run, result));
  }

  private startCommandEnded(row: RowState, run: ShellRun, result: ShellResult): void {
    if (row.startRun !== run) return;
    row.startRun = undefined;
    if (row.removed) return;
    if (row.childIsProcess && row.pid === run.pid) {
      // The command was the process: this is the process's exit, with its status.
      this.disappeared(row, result.status);
      this.judge();
      return;
    }
    if (row.action !== 'starting') return; // it had already produced the process
    if (result.error || result.status !== 0) {
      this.endAction(row);
      this.fail(row, { which: 'start', command: row.cfg.startCommand, reason: result.error ? 'spawn' : 'exit', result });
      void this.pollNow();
      return;
    }
    // A launcher that succeeded: the process it left behind should show up shortly (its
    // background child may not have exec'd yet when the launcher exits); if it has not
    // after a grace period, the start failed.
    void this.pollNow();
    const grace = setTimeout(() => {
      void this.pollNow().then(() => {
        if (row.action === 'starting' && row.pid === 0 && !row.startRun && !row.removed) {
          this.endAction(row);
          this.fail(row, { which: 'start', command: row.cfg.startCommand, reason: 'noProcess', result });
          this.judge();
        }
      });
    }, Math.max(1000, 2 * this.pollMs));
    grace.unref();
  }

  private runStop(row: RowState): void {
    if (row.restartTimer) clearTimeout(row.restartTimer);
    row.restartTimer = undefined;
    // A start still in progress (not yet the process) is abandoned.
    if (row.action === 'starting' && row.startRun && !row.childIsProcess) {
      row.startRun.kill('SIGKILL');
      this.endAction(row);
    }
    if (row.pid === 0 || row.action === 'stopping') return;
    row.action = 'stopping';
    const pid = row.pid;
    const command = row.cfg.terminateCommand;
    if (!command) {
      // No stop command: signal the process, then insist.
      signal(pid, 'SIGTERM');
      row.actionTimer = setTimeout(() => {
        row.actionTimer = undefined;
        if (row.pid === pid) signal(pid, 'SIGKILL');
      }, this.stopGraceMs);
      row.actionTimer.unref();
      return;
    }
    const run = runShell(command, { timeoutMs: this.commandTimeoutMs, env: this.commandEnv(row), cwd: this.cwd });
    row.stopRun = run;
    void run.done.then((result) => {
      if (row.stopRun !== run) return;
      row.stopRun = undefined;
      if (result.timedOut || result.error || result.status !== 0) {
        this.fail(row, { which: 'stop', command, reason: result.timedOut ? 'timeout' : result.error ? 'spawn' : 'exit', result });
      }
      void this.pollNow().then(() => {
        if (row.action === 'stopping') this.endAction(row);
        this.judge();
      });
    });
  }

  private commandEnv(row: RowState): NodeJS.ProcessEnv {
    return { ...process.env, CRITAPP_INDEX: String(row.cfg.index), CRITAPP_NAME: row.cfg.name, CRITAPP_PID: String(row.pid) };
  }

  /** allRunning / notAllRunning on a change of judgement (see the header). */
  private judge(): void {
    if (!this.running) return;
    let starting = false;
    for (const r of this.rowsByIndex.values()) if (r.cfg.adminStatus === 'up' && r.action === 'starting') starting = true;
    if (starting) return;
    const counts = this.counts();
    const now: Judgement = counts.numProcs === 0 ? 'none' : counts.numRunning === counts.numProcs ? 'all' : 'notAll';
    const before = this.judgement;
    this.judgement = now;
    if (before === undefined || before === now) return;
    if (now === 'all') this.emit('allRunning', counts);
    else if (now === 'notAll') this.emit('notAllRunning', counts);
  }
}

function newRow(cfg: CritAppProcConfig): RowState {
  return {
    cfg: { ...cfg },
    pid: 0,
    startRun: undefined,
    childIsProcess: false,
    stopRun: undefined,
    action: 'none',
    actionTimer: undefined,
    restartTimer: undefined,
    lastStartTime: undefined,
    lastExit: undefined,
    restartCount: 0,
    removed: false,
    changedAt: 0,
  };
}

function clearTimers(row: RowState): void {
  if (row.actionTimer) clearTimeout(row.actionTimer);
  if (row.restartTimer) clearTimeout(row.restartTimer);
  row.actionTimer = undefined;
  row.restartTimer = undefined;
}

function operStatus(row: RowState): OperStatus {
  if (row.action === 'starting' && row.pid === 0) return 'starting';
  if (row.action === 'stopping' && row.pid > 0) return 'stopping';
  return row.pid > 0 ? 'up' : 'down';
}

function snapshot(row: RowState): CritAppRow {
  return {
    ...row.cfg,
    operStatus: operStatus(row),
    pid: row.pid,
    lastStartTime: row.lastStartTime,
    lastExit: row.lastExit,
    restartCount: row.restartCount,
    restartPending: row.restartTimer !== undefined,
  };
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone, or not ours to signal */
  }
}
