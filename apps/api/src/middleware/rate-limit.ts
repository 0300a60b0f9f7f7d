import { keyPrefix, LuaScript } from '@nightshift/core';
import type { MiddlewareHandler } from 'hono';
import type { Redis } from 'ioredis';
import { problem } from '../problem.ts';
import type { TenantVariables } from './tenant-auth.ts';

/**
 * Token bucket in Redis, shared by every API replica. Tokens refill continuously at
 * `ratePerMin / 60` per second up to `burst`. Returns {allowed, remaining, retryAfterMs, resetMs}.
 */
const tokenBucketScript = new LuaScript(`
local key = KEYS[1]
local rate = tonumber(ARGV[1]) / 60000
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', key, 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + (now - at) * rate)
local allowed = 0
local retry = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', key, 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', key, math.ceil(burst / rate) + 1000)
local reset = math.ceil((burst - tokens) / rate)
return {allowed, math.floor(tokens), retry, reset}
`);

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
    const [allowed, remaining, retryMs, resetMs] = (await tokenBucketScript.run(
      options.redis,
      [key],
      [options.ratePerMin, options.burst, now()],
    )) as number[];
    const headers = {
      'ratelimit-limit': String(options.burst),
      'ratelimit-remaining': String(remaining),
      'ratelimit-reset': String(Math.ceil((resetMs ?? 0) / 1000)),
      'ratelimit-policy': `${options.burst};w=${Math.ceil((60 * options.burst) / options.ratePerMin)}`,
    };
    if (!allowed) {
      void options.onRejected?.(c.get('tenant'), options.name);
      const retryAfter = String(Math.max(1, Math.ceil((retryMs ?? 1000) / 1000)));
      return problem(
        c,
        429,
        'rate-limited',
        `Over the ${options.name} limit of ${options.ratePerMin}/min (burst ${options.burst}); retry in ${retryAfter} s.`,
        {},
        { ...headers, 'retry-after': retryAfter },
      );
    }
    await next();
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  };
}
