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
  limit: { ratePerMin: number; burst: number; now?: number; take?: boolean },
): Promise<TokenBucketAnswer> {
  const [allowed, remaining, retryAfterMs, resetMs] = (await tokenBucketScript.run(
    redis,
    [key],
    [limit.ratePerMin, limit.burst, limit.now ?? Date.now(), limit.take === false ? 0 : 1],
  )) as number[];
  return {
    allowed: allowed === 1,
    remaining: remaining ?? 0,
    retryAfterMs: retryAfterMs ?? 0,
    resetMs: resetMs ?? 0,
  };
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
  return async (c, next) => {
    const key = `${keyPrefix}:ratelimit:${options.name}:${c.get('tenant')}`;
    const {
      allowed,
      remaining,
      retryAfterMs: retryMs,
      resetMs,
    } = await tokenBucket(options.redis, key, {
      ratePerMin: options.ratePerMin,
      burst: options.burst,
      now: now(),
    });
    const headers = {
      'ratelimit-limit': String(options.burst),
      'ratelimit-remaining': String(remaining),
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
