import type { Redis } from 'ioredis';

/** Options of {@link WriteBehind}. */
export interface WriteBehindOptions {
  /** A client connection (never a blocking one). */
  redis: Redis;
  /**
   * How long increments gather in memory before one transaction writes them all. `0` (the
   * default) writes each increment at once. A busy worker passes ~1 s: per-document counters
   * then cost one Redis transaction a second instead of one per document.
   */
  flushMs?: number;
  /** Called when a flush fails; its increments stay pending and go with the next flush. */
  onError?: (error: Error) => void;
}

/**
 * Hash-field increments (`HINCRBYFLOAT`) and key expiries gathered in memory and written in one
 * `MULTI`: all of a flush lands or none of it, so a failed flush is simply retried later. What
 * is pending is bounded by the number of distinct fields, not by how many increments were made.
 *
 * A process killed with `kill -9` loses at most its last `flushMs` of increments; `close()`
 * (graceful shutdown) writes them.
 *
 * @example
 * const writes = new WriteBehind({ redis, flushMs: 1000 });
 * writes.add('{nightshift}:metrics:tokens', '["in","qwen3:32b"]', 900);
 * await writes.close(); // flushes what is pending
 */
export class WriteBehind {
  readonly #redis: Redis;
  readonly #flushMs: number;
  readonly #onError: (error: Error) => void;
  #pending = new Map<string, Map<string, number>>();
  #expiries = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #soon: Promise<void> | undefined;

  constructor(options: WriteBehindOptions) {
    this.#redis = options.redis;
    this.#flushMs = options.flushMs ?? 0;
    this.#onError = options.onError ?? (() => {});
    if (this.#flushMs > 0) {
      this.#timer = setInterval(() => void this.flush(), this.#flushMs);
      this.#timer.unref();
    }
  }

  /**
   * Adds `by` to `field` of the hash at `key`. Resolves once written when writing through
   * (increments made in the same tick share one transaction), at once when buffering; never
   * rejects (`onError` hears failures).
   */
  add(key: string, field: string, by: number): Promise<void> {
    let fields = this.#pending.get(key);
    if (!fields) {
      fields = new Map<string, number>();
      this.#pending.set(key, fields);
    }
    fields.set(field, (fields.get(field) ?? 0) + by);
    if (this.#flushMs > 0) return Promise.resolve();
    this.#soon ??= Promise.resolve().then(() => {
      this.#soon = undefined;
      return this.flush();
    });
    return this.#soon;
  }

  /** Sets `key` to expire `seconds` after the flush that next writes it. */
  expire(key: string, seconds: number): void {
    this.#expiries.set(key, seconds);
  }

  /** Writes everything pending in one transaction. Never rejects. */
  async flush(): Promise<void> {
    if (this.#pending.size === 0) return;
    const pending = this.#pending;
    const expiries = this.#expiries;
    this.#pending = new Map();
    this.#expiries = new Map();
    const single = singleIncrement(pending, expiries);
    if (single) {
      // One counter (a write-through `inc`): one command, without a transaction's cost.
      try {
        await this.#redis.hincrbyfloat(single.key, single.field, single.by);
      } catch (error) {
        this.#restore(pending, expiries);
        this.#onError(error as Error);
      }
      return;
    }
    const tx = this.#redis.multi();
    for (const [key, fields] of pending) {
      for (const [field, by] of fields) tx.hincrbyfloat(key, field, by);
      const seconds = expiries.get(key);
      if (seconds !== undefined) tx.expire(key, seconds);
    }
    try {
      await tx.exec();
    } catch (error) {
      this.#restore(pending, expiries);
      this.#onError(error as Error);
    }
  }

  /** Stops the timer and writes what is pending. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }

  #restore(pending: Map<string, Map<string, number>>, expiries: Map<string, number>): void {
    for (const [key, fields] of pending) {
      for (const [field, by] of fields) {
        const current = this.#pending.get(key) ?? new Map<string, number>();
        current.set(field, (current.get(field) ?? 0) + by);
        this.#pending.set(key, current);
      }
    }
    for (const [key, seconds] of expiries) {
      if (!this.#expiries.has(key)) this.#expiries.set(key, seconds);
    }
  }
}

/** The one increment pending, when there is exactly one and no expiry to set with it. */
function singleIncrement(
  pending: Map<string, Map<string, number>>,
  expiries: Map<string, number>,
): { key: string; field: string; by: number } | undefined {
  if (pending.size !== 1 || expiries.size !== 0) return undefined;
  const [key, fields] = pending.entries().next().value as [string, Map<string, number>];
  if (fields.size !== 1) return undefined;
  const [field, by] = fields.entries().next().value as [string, number];
  return { key, field, by };
}
