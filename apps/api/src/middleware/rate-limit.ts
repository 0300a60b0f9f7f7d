import { keyPrefix } from '@nightshift/core';
import { luaScript } from '@nightshift/redis';
import type { MiddlewareHandler } from 'hono';
import type { Redis } from 'ioredis';
import { problemRefusal, type RefusalRenderer } from '../problem.ts';
import type { TenantVariables } from './tenant-auth.ts';

/** The shared token bucket; see the header of the .lua file for its KEYS, ARGV and answer. */
const tokenBucketScript = luaScript(new URL('./lua/token-bucket.lua', import.meta.url));

/** What one look at a bucket found: `retryAfterMs` is how long until a token is there. */
export interface TokenBucketAnswer {
  allowed: boolean;
  remaining: number;
  retryAfterMs: number;
  resetMs: number;
}

/**
 * One bucket of the shared token-bucket limiter: `take` spends a token when one is there;
 * `take: false` only asks whether one is (for limits that count failures, checked before
 * the attempt and spent after it fails).
 *
 * @example
 * const { allowed, retryAfterMs } = await tokenBucket(redis, key, { ratePerMin: 5, burst: 5 });
 */
export async function tokenBucket(
  redis: Redis,
  key: string,
  limit: {
    ratePerMin: number;
    burst: number;
    now?: number;
    /** `'debt'`: take one whatever is there, down to −burst (see the .lua file). */
    take?: boolean | 'debt';
  },
): Promise<TokenBucketAnswer> {
  const take = limit.take === false ? 0 : limit.take === 'debt' ? 2 : 1;
  const [allowed, remaining, retryAfterMs, resetMs] = (await tokenBucketScript.run(
    redis,
    [key],
    [limit.ratePerMin, limit.burst, limit.now ?? Date.now(), take],
  )) as number[];
  return {
    allowed: allowed === 1,
    remaining: remaining ?? 0,
    retryAfterMs: retryAfterMs ?? 0,
    resetMs: resetMs ?? 0,
  };
}

/** How long a bucket's last answer from Redis may stand in for a round trip, ms. */
const VIEW_FRESH_MS = 1_000;
/**
 * Tokens a replica's view must show beyond the call's own before it admits the call without
 * asking Redis: the bucket's last tokens are always judged by Redis.
 */
const VIEW_RESERVE = 1;
/**
 * Takes a replica may have in flight on the strength of its view of one bucket: a tenant's
 * calls one after another never wait on Redis, a concurrent burst is judged by Redis, and no
 * replica admits more than this beyond what the shared bucket held.
 */
const VIEW_MAX_PENDING = 1;
/** Buckets one replica keeps a view of; past it the views start over (tenants are few). */
const MAX_VIEWS = 10_000;

/** What Redis last said of one bucket, and the takes this replica sent since. */
interface BucketView {
  tokens: number;
  at: number;
  pending: number;
}

/**
 * Each replica's recent view of the shared buckets, so that a call with tokens to spare does
 * not wait on Redis: while the last answer (under {@link VIEW_FRESH_MS} old, refilled at the
 * rate since, less the takes still in flight) leaves more than {@link VIEW_RESERVE} tokens,
 * the call goes ahead at once and its token is taken in the background, into debt if other
 * replicas emptied the bucket meanwhile; the debt refuses the calls after it until repaid. So
 * every call spends a token of the one shared bucket (the rate holds across replicas), the last
 * tokens are judged by Redis as before, and a burst can run over by at most
 * {@link VIEW_MAX_PENDING} call per replica within one round trip of the bucket emptying
 * elsewhere.
 */
class BucketViews {
  readonly #views = new Map<string, BucketView>();

  /** Tokens the view shows at `now`, or undefined when there is none fresh enough. */
  estimate(key: string, now: number, ratePerMin: number, burst: number): number | undefined {
    const view = this.#views.get(key);
    if (!view || now - view.at > VIEW_FRESH_MS || now < view.at) return undefined;
    if (view.pending >= VIEW_MAX_PENDING) return undefined;
    return Math.min(burst, view.tokens + ((now - view.at) * ratePerMin) / 60_000) - view.pending;
  }

  /** A take was sent on the strength of the view. */
  sent(key: string): void {
    const view = this.#views.get(key);
    if (view) view.pending++;
  }

  /** Redis answered a take (sent on the view when `pending`). */
  answered(key: string, tokens: number, at: number, pending: boolean): void {
    const left = (this.#views.get(key)?.pending ?? 0) - (pending ? 1 : 0);
    if (!this.#views.has(key) && this.#views.size >= MAX_VIEWS) this.#views.clear();
    this.#views.set(key, { tokens, at, pending: Math.max(0, left) });
  }

  forget(key: string): void {
    this.#views.delete(key);
  }
}

/** Options of {@link rateLimit}. */
export interface RateLimitOptions {
  redis: Redis;
  /** Name of the limit (one bucket per tenant and name). */
  name: string;
  /** Sustained requests per minute. */
  ratePerMin: number;
  /** Requests allowed at once after a quiet spell. */
  burst: number;
  /** Clock, injectable for tests. */
  now?: () => number;
  /** Hears each 429 (metrics); its promise is not awaited. */
  onRejected?: (tenant: string, name: string) => unknown;
  /** How a 429 is written. Default: problem+json. */
  refuse?: RefusalRenderer;
}

/**
 * Per-tenant rate limit: `429` with `Retry-After` past the limit, and `RateLimit-*` headers
 * (IETF draft) on every answer.
 *
 * @example
 * app.post('/v1/summaries', rateLimit({ redis, name: 'hot', ratePerMin: 12, burst: 3 }), handler);
 */
export function rateLimit(
  options: RateLimitOptions,
): MiddlewareHandler<{ Variables: TenantVariables }> {
  const now = options.now ?? Date.now;
  const views = new BucketViews();
  const limit = { ratePerMin: options.ratePerMin, burst: options.burst };
  return async (c, next) => {
    const key = `${keyPrefix}:ratelimit:${options.name}:${c.get('tenant')}`;
    const at = now();
    const seen = views.estimate(key, at, limit.ratePerMin, limit.burst);
    let answer: TokenBucketAnswer;
    if (seen !== undefined && seen >= 1 + VIEW_RESERVE) {
      views.sent(key);
      // Sent once the call has gone on its way: the token is the shared bucket's all the same.
      // A timer, not an immediate: the upstream request of a gateway call is written in the
      // check phase of this turn of the loop (undici first looks at its idle socket), and a
      // Redis command sent before it would go first.
      setTimeout(() =>
        tokenBucket(options.redis, key, { ...limit, now: at, take: 'debt' }).then(
          (taken) => views.answered(key, taken.remaining, at, true),
          () => views.forget(key),
        ),
      );
      const left = seen - 1;
      answer = {
        allowed: true,
        remaining: Math.floor(left),
        retryAfterMs: 0,
        resetMs: Math.ceil(((limit.burst - left) * 60_000) / limit.ratePerMin),
      };
    } else {
      answer = await tokenBucket(options.redis, key, { ...limit, now: at });
      views.answered(key, answer.remaining, at, false);
    }
    const { allowed, remaining, retryAfterMs: retryMs, resetMs } = answer;
    const headers = {
      'ratelimit-limit': String(options.burst),
      'ratelimit-remaining': String(Math.max(0, remaining)),
      'ratelimit-reset': String(Math.ceil(resetMs / 1000)),
      'ratelimit-policy': `${options.burst};w=${Math.ceil((60 * options.burst) / options.ratePerMin)}`,
    };
    if (!allowed) {
      void options.onRejected?.(c.get('tenant'), options.name);
      const retryAfter = String(Math.max(1, Math.ceil(retryMs / 1000)));
      return (options.refuse ?? problemRefusal)(c, {
        status: 429,
        code: 'rate-limited',
        detail: `Over the ${options.name} limit of ${options.ratePerMin}/min (burst ${options.burst}); retry in ${retryAfter} s.`,
        headers: { ...headers, 'retry-after': retryAfter },
      });
    }
    await next();
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  };
}
