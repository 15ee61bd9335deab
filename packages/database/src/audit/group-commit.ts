import { DatabaseUnavailableError } from '../database-unavailable';

export interface GroupCommitOptions {
  /** Most items in one flush. */
  readonly maxBatch?: number;
  /** Flushes running at once. */
  readonly maxInFlight?: number;
  /**
   * Longest an item waits for a flush to take it (while the flushes in flight hang on a database that stopped
   * answering); then it is refused with DatabaseUnavailableError, never having reached the database.
   */
  readonly maxWaitMs?: number;
}

/**
 * Group commit: callers enqueue items and wait; a flush writes everything queued so far in one statement or
 * transaction. Under load a batch is whatever arrived while the previous flushes were in flight, so a request
 * waits for durability without one transaction per request, and no timer adds latency when idle. Up to
 * `maxInFlight` flushes run at once: one commit's round trips and fsync then overlap the next batch's.
 */
export class GroupCommit<T, R = void> {
  private queue: Array<{ item: T; at: number; resolve: (result: R) => void; reject: (error: unknown) => void }> = [];
  private inFlight = 0;
  private scheduled = false;
  private idleWaiters: Array<() => void> = [];
  private expiryTimer: NodeJS.Timeout | null = null;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private readonly maxWaitMs: number;

  constructor(
    private readonly flushBatch: (items: T[]) => Promise<R[]>,
    { maxBatch = 2000, maxInFlight = 2, maxWaitMs = Infinity }: GroupCommitOptions = {},
  ) {
    this.maxBatch = maxBatch;
    this.maxInFlight = maxInFlight;
    this.maxWaitMs = maxWaitMs;
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, at: Date.now(), resolve, reject });
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
    if (this.inFlight >= this.maxInFlight) this.armExpiry();
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
    this.flushBatch(batch.map((entry) => entry.item))
      .then(
        (results) => batch.forEach((entry, index) => entry.resolve(results[index])),
        (error: unknown) => batch.forEach((entry) => entry.reject(error)),
      )
      .finally(() => {
        this.inFlight--;
        if (this.queue.length > 0) this.schedule();
        else this.settleIfIdle();
      });
  }

  private settleIfIdle(): void {
    if (this.queue.length === 0 && this.inFlight === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
  }

  /** One timer for the oldest waiting item (the queue is in arrival order), only while every flush slot is taken. */
  private armExpiry(): void {
    if (this.expiryTimer || this.queue.length === 0 || !Number.isFinite(this.maxWaitMs)) return;
    const delay = Math.max(0, this.queue[0].at + this.maxWaitMs - Date.now());
    this.expiryTimer = setTimeout(() => {
      this.expiryTimer = null;
      const now = Date.now();
      let expired = 0;
      while (expired < this.queue.length && now - this.queue[expired].at >= this.maxWaitMs) expired++;
      const error = new DatabaseUnavailableError(`no batch took the write within ${this.maxWaitMs} ms`);
      this.queue.splice(0, expired).forEach((entry) => entry.reject(error));
      if (this.inFlight >= this.maxInFlight) this.armExpiry();
      this.settleIfIdle();
    }, delay);
    this.expiryTimer.unref();
  }
}
