import { keyPrefix } from '@nightshift/core';
import type { Redis } from 'ioredis';
import { tokenBucket } from './rate-limit.ts';

/** Options of {@link AdminLoginThrottle}. */
export interface AdminLoginThrottleOptions {
  redis: Redis;
  /** `NIGHTSHIFT_ADMIN_LOGIN_FAILURES_PER_MIN`: failures per minute from one address. */
  perAddressPerMin: number;
  /**
   * `NIGHTSHIFT_ADMIN_LOGIN_FAILURES_GLOBAL_PER_MIN`: failures per minute from everywhere.
   * Absent: no global bucket (for the tenants' API keys, where one would let a single guesser
   * lock every tenant out).
   */
  globalPerMin?: number;
  /**
   * Names the buckets (`ratelimit:<bucket>:…`), so another sign-in (the tenant page) keeps
   * counts of its own. Default `admin-login-failures`.
   */
  bucket?: string;
}

/** Where each throttle reads the client's address; see `client-address.ts`. */
export { clientAddress } from './client-address.ts';

/**
 * Slows down guessing of the admin key: failed sign-ins and wrong Bearer admin keys spend a
 * token from a bucket per client address and from one global bucket (the shared Redis token
 * bucket, so every replica counts). While either is empty every attempt is refused before the
 * key is even compared, right or wrong, so a guess cannot be confirmed by a different answer.
 *
 * @example
 * const wait = await throttle.refusal(address);
 * if (wait) return tooMany(wait.retryAfterS);
 * if (!valid) await throttle.fail(address);
 */
export class AdminLoginThrottle {
  readonly #options: AdminLoginThrottleOptions;

  constructor(options: AdminLoginThrottleOptions) {
    this.#options = options;
  }

  /** Seconds to wait when either bucket is empty; null when an attempt may go ahead. */
  async refusal(address: string): Promise<{ retryAfterS: number } | null> {
    const answers = await Promise.all(
      this.#buckets(address).map(({ key, perMin }) =>
        tokenBucket(this.#options.redis, key, { ratePerMin: perMin, burst: perMin, take: false }),
      ),
    );
    const refused = answers.filter((answer) => !answer.allowed);
    if (refused.length === 0) return null;
    const waitMs = Math.max(...refused.map((answer) => answer.retryAfterMs));
    return { retryAfterS: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  /** Counts one failed attempt from `address` against both buckets. */
  async fail(address: string): Promise<void> {
    await Promise.all(
      this.#buckets(address).map(({ key, perMin }) =>
        tokenBucket(this.#options.redis, key, { ratePerMin: perMin, burst: perMin }),
      ),
    );
  }

  #buckets(address: string) {
    const base = `${keyPrefix}:ratelimit:${this.#options.bucket ?? 'admin-login-failures'}`;
    const { perAddressPerMin, globalPerMin } = this.#options;
    return [
      { key: `${base}:address:${address}`, perMin: perAddressPerMin },
      ...(globalPerMin === undefined ? [] : [{ key: `${base}:global`, perMin: globalPerMin }]),
    ];
  }
}
