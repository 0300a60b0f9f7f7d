import type { Redis } from 'ioredis';

/** Options of {@link RedisClock}. */
export interface RedisClockOptions {
  /** A client connection (commands only). */
  redis: Redis;
  /** How long one measurement of the offset is trusted, ms. Default 60 000. */
  resyncMs?: number;
  /** Round trips per measurement; the fastest one sets the offset. Default 5. */
  samples?: number;
}

/** This process's clock: monotonic, in epoch ms. */
const localNow = () => performance.timeOrigin + performance.now();

/**
 * The Redis clock (`TIME`, the one clock every replica shares) read from this process's own
 * monotonic clock: the offset between the two is measured by a few `TIME` round trips, the
 * fastest of which bounds its error by half its round trip. So a moment is stamped when it
 * happens here, not when Redis gets to a command about it (a command may wait behind a slow
 * fsync, a long script or this process's own busy loop).
 *
 * @example
 * const clock = new RedisClock({ redis });
 * await clock.synced();
 * clock.now(); // 1765112400123.456, on Redis' clock
 */
export class RedisClock {
  readonly #redis: Redis;
  readonly #resyncMs: number;
  readonly #samples: number;
  #offsetMs: number | undefined;
  #syncedAt = Number.NEGATIVE_INFINITY;
  #syncing: Promise<void> | undefined;

  constructor(options: RedisClockOptions) {
    this.#redis = options.redis;
    this.#resyncMs = options.resyncMs ?? 60_000;
    this.#samples = Math.max(1, options.samples ?? 5);
  }

  /**
   * Now on the Redis clock, epoch ms; undefined until a first measurement (started by this
   * call) has answered. A measurement older than `resyncMs` is renewed in the background.
   */
  now(): number | undefined {
    const local = localNow();
    if (local - this.#syncedAt > this.#resyncMs) void this.synced().catch(() => {});
    return this.#offsetMs === undefined ? undefined : local + this.#offsetMs;
  }

  /** Measures the offset if it is not fresh (one measurement at a time); rejects if Redis does. */
  synced(): Promise<void> {
    if (localNow() - this.#syncedAt <= this.#resyncMs) return Promise.resolve();
    this.#syncing ??= this.#measure().finally(() => {
      this.#syncing = undefined;
    });
    return this.#syncing;
  }

  async #measure(): Promise<void> {
    let best: { roundTripMs: number; offsetMs: number } | undefined;
    for (let i = 0; i < this.#samples; i++) {
      const sent = localNow();
      const [seconds, micros] = await this.#redis.time();
      const answered = localNow();
      const redisMs = Number(seconds) * 1000 + Number(micros) / 1000;
      const roundTripMs = answered - sent;
      if (!best || roundTripMs < best.roundTripMs)
        best = { roundTripMs, offsetMs: redisMs - (sent + answered) / 2 };
    }
    if (!best) return;
    this.#offsetMs = best.offsetMs;
    this.#syncedAt = localNow();
  }
}
