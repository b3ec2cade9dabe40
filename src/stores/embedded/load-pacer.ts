// A store of a million rows takes seconds to load. The load is split into slices of about
// 50 ms with a turn of the event loop between them, so that timers run and the process
// that started sipd hears how far it got (src/common/starter.ts reportProgress).

/** Told now and then how far a long load got: "loading routes", 400000. */
export type LoadProgress = (what: string, n: number) => void;

/** Items between two looks at the clock: reading it per record would cost more than the work. */
const CHECK_EVERY = 256;

export class LoadPacer {
  private sliceStart = performance.now();
  private sinceCheck = 0;

  /** `count` says how far the load is (rows so far), read only when a slice ends. */
  constructor(
    private readonly what: string,
    private readonly progress: LoadProgress | undefined,
    private readonly count: () => number,
    private readonly sliceMs = 50,
  ) {}

  /** After `items` more records: true when the slice is used up (then await pause()). */
  due(items = 1): boolean {
    this.sinceCheck += items;
    if (this.sinceCheck < CHECK_EVERY) return false;
    this.sinceCheck = 0;
    return performance.now() - this.sliceStart >= this.sliceMs;
  }

  /** Say how far the load is and let the event loop turn once. */
  async pause(): Promise<void> {
    this.progress?.(this.what, this.count());
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.sliceStart = performance.now();
  }
}

/** Run a load that pauses after each record (a generator) to its end in one go. */
export function runNow<T>(steps: Generator<void, T, undefined>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** Run it with a turn of the event loop after each slice of `pacer`. */
export async function runPaced<T>(steps: Generator<void, T, undefined>, pacer: LoadPacer): Promise<T> {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (pacer.due()) await pacer.pause();
  }
}
