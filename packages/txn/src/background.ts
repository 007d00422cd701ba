import { TxnInvariantError } from './errors';

/**
 * Work the coordinator finishes after acknowledging (committing secondaries, cleaning up an
 * aborted txn's locks). Failures are counted, not thrown: a secondary left locked is resolved
 * by the next reader from the primary's record. `flush()` waits for all of it (tests).
 */
export class BackgroundTasks {
  private readonly running = new Set<Promise<void>>();
  private failuresCount = 0;
  private startedCount = 0;
  /** A broken invariant met in the background: flush() rethrows it (it must not vanish). */
  private brokenInvariant: TxnInvariantError | undefined;

  track(work: Promise<unknown>): void {
    this.startedCount++;
    const task: Promise<void> = work.then(
      () => undefined,
      (error: unknown) => {
        this.failuresCount++;
        if (error instanceof TxnInvariantError) this.brokenInvariant ??= error;
      },
    );
    this.running.add(task);
    void task.finally(() => this.running.delete(task));
  }

  get inFlight(): number {
    return this.running.size;
  }

  get failures(): number {
    return this.failuresCount;
  }

  get started(): number {
    return this.startedCount;
  }

  /** Waits until fewer than `max` tasks run: backpressure on a coordinator that outruns. */
  async waitForRoom(max: number): Promise<void> {
    while (this.running.size >= max) await Promise.race([...this.running]);
  }

  /** Resolves once every task tracked so far, and any they started, has settled. */
  async flush(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
    if (this.brokenInvariant !== undefined) throw this.brokenInvariant;
  }
}
