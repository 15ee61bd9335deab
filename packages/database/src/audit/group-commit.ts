/**
 * Group commit: callers enqueue items and wait; a flush writes everything queued so far in one statement or
 * transaction. Under load a batch is whatever arrived while the previous flushes were in flight, so a request
 * waits for durability without one transaction per request, and no timer adds latency when idle. Up to
 * `maxInFlight` flushes run at once: one commit's round trips and fsync then overlap the next batch's.
 */
export class GroupCommit<T, R = void> {
  private queue: Array<{ item: T; resolve: (result: R) => void; reject: (error: unknown) => void }> = [];
  private inFlight = 0;
  private scheduled = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly flushBatch: (items: T[]) => Promise<R[]>,
    private readonly maxBatch = 2000,
    private readonly maxInFlight = 2,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once everything submitted before the call is written (or has failed). */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Yields once before flushing, so that requests arriving in the same tick share a batch. */
  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.startFlush();
    });
  }

  private startFlush(): void {
    if (this.queue.length === 0 || this.inFlight >= this.maxInFlight) return;
    const batch = this.queue.splice(0, this.maxBatch);
    this.inFlight++;
    this.flushBatch(batch.map((entry) => entry.item)).then(
      (results) => batch.forEach((entry, index) => entry.resolve(results[index] as R)),
      (error: unknown) => batch.forEach((entry) => entry.reject(error)),
    ).finally(() => {
      this.inFlight--;
      if (this.queue.length > 0) this.schedule();
      else if (this.inFlight === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
    });
  }
}
