// What the embedded registry and route databases share: the snapshot and journal pair
// <dir>/<name>.{snapshot,journal}, the JournalFile that writes it (journal-file.ts), and
// the compaction, counters and close that go with it. Each store keeps its own records
// and its own table in memory; this base holds only the file side they have in common.
import path from 'node:path';
import { JournalFile, prepareDatabaseFiles } from './journal-file.js';
import type { JournalFileOptions } from './journal-file.js';
import { LoadPacer } from './load-pacer.js';
import type { LoadProgress } from './load-pacer.js';
import type { StoreLog } from '../store-log.js';

export interface JournaledStoreOptions {
  /** Directory of the files (absolute); created when missing. */
  readonly dir: string;
  /** Base name of the files: Cisco_Registry_Rendezvous_Name or Cisco_Routing_Rendezvous_Name. */
  readonly name: string;
  /** Cisco_Registry_Max_DB_Age_on_Boot or Cisco_Routing_Max_DB_Age_on_Boot, in seconds. */
  readonly maxAgeOnBootSeconds: number;
  readonly log: StoreLog;
  /** Clock (ms since the epoch); tests move it. */
  readonly now?: () => number;
  /** Compact once the journal holds this many bytes (and more than the snapshot). Default 8 MiB. */
  readonly compactBytes?: number;
  /** Compact at this interval when the journal is not empty. Default an hour; 0 turns it off. */
  readonly compactEveryMs?: number;
  /** fdatasync each batch (default true). Only benchmarks turn it off, to compare. */
  readonly sync?: boolean;
  /** Told now and then how far the load at open got (sipd passes it on to `sip start`). */
  readonly progress?: LoadProgress;
}

/** Which database, as messages name it, and what the age check at start says about it. */
export interface JournaledDatabase {
  /** "registry", "route". */
  readonly what: string;
  /** The Max_DB_Age_on_Boot directive that bounds the files' age. */
  readonly maxAgeDirective: string;
  /** What the server starts with when the files are too old, e.g. "an empty registry". */
  readonly emptyAs: string;
}

type OwnJournalOptions<Op> = Pick<JournalFileOptions<Op>, 'encode' | 'writeSnapshot' | 'snapshotCommitted'>;

export abstract class JournaledStore<Op> {
  readonly snapshotPath: string;
  readonly journalPath: string;
  protected readonly log: StoreLog;
  protected readonly now: () => number;
  protected journal!: JournalFile<Op>;
  protected closed = false;
  /** The options' progress until open() is done: later compactions report nothing. */
  protected loadProgress: LoadProgress | undefined;

  protected constructor(
    private readonly files: JournaledStoreOptions,
    private readonly database: JournaledDatabase,
  ) {
    this.snapshotPath = path.join(files.dir, `${files.name}.snapshot`);
    this.journalPath = path.join(files.dir, `${files.name}.journal`);
    this.log = files.log;
    this.now = files.now ?? Date.now;
    this.loadProgress = files.progress;
  }

  /** Paces a loop of the load at open (see load-pacer.ts); `count` is how many rows are in so far. */
  protected pacer(what: string, count: () => number): LoadPacer {
    return new LoadPacer(what, this.loadProgress, count);
  }

  /** Before loading: the directory made, a crashed compaction's leftover removed, a too old database deleted. */
  protected prepareFiles(): void {
    const { dir, maxAgeOnBootSeconds, log } = this.files;
    prepareDatabaseFiles({ dir, snapshotPath: this.snapshotPath, journalPath: this.journalPath, ...this.database, maxAgeOnBootSeconds, nowMs: this.now(), log });
  }

  /** After loading: start the journal, which holds `journalBytes` already; `rewrite` writes a fresh snapshot first. */
  protected async openJournal(own: OwnJournalOptions<Op>, journalBytes: number, rewrite: boolean): Promise<void> {
    const o = this.files;
    this.journal = await JournalFile.open<Op>(
      {
        dir: o.dir,
        snapshotPath: this.snapshotPath,
        journalPath: this.journalPath,
        what: this.database.what,
        log: o.log,
        compactBytes: o.compactBytes ?? 8 * 1024 * 1024,
        compactEveryMs: o.compactEveryMs ?? 3_600_000,
        sync: o.sync ?? true,
        ...own,
      },
      journalBytes,
      rewrite,
    );
    this.loadProgress = undefined;
  }

  /** Fold the journal into a new snapshot now (after any writes already queued). */
  compact(): Promise<void> {
    if (this.closed) return this.closedError();
    return this.journal.snapshot();
  }

  /** Bytes in the journal since the last compaction (for tests and the benchmarks). */
  get journalSize(): number {
    return this.journal.size;
  }

  /** Journal batches written (one fdatasync each), the records they held, and compactions. */
  get stats(): { readonly batches: number; readonly records: number; readonly compactions: number } {
    return this.journal.stats;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.journal.close();
  }

  /** What a write to a closed store returns. */
  protected closedError(): Promise<never> {
    return Promise.reject(new Error(`the ${this.database.what} database is closed`));
  }
}
