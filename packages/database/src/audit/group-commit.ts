/**
 * Group commit: callers enqueue items and wait; one flush at a time writes everything queued so far in a
 * single statement/transaction. Under load a batch is whatever arrived during the previous flush, so a
 * request waits for durability without one transaction per request, and no timer adds latency when idle.
 */
export class GroupCommit<T, R = void> {
  private queue: Array<{ item: T; resolve: (result: R) => void; reject: (error: unknown) => void }> = [];
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly flushBatch: (items: T[]) => Promise<R[]>,
    private readonly maxBatch = 2000,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.flushing) this.flushing = this.drain();
    });
  }

  /** Resolves once everything submitted before the call is written (or has failed). */
  async idle(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  get pending(): number {
    return this.queue.length;
  }

  private async drain(): Promise<void> {
    // Yield once so that requests arriving in the same tick share the first batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        const results = await this.flushBatch(batch.map((entry) => entry.item));
        batch.forEach((entry, index) => entry.resolve(results[index] as R));
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.flushing = null;
  }
}
