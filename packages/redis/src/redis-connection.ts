import { Redis, type RedisOptions } from 'ioredis';

/** Which side of BullMQ a connection serves: workers block, so they must never give up a command. */
export type ConnectionRole = 'worker' | 'client';

/**
 * Opens an ioredis connection for a role. Workers (and QueueEvents) use
 * `maxRetriesPerRequest: null` as BullMQ requires; clients give up a command after two reconnection attempts so the API can answer 503
 * instead of hanging while Redis is away.
 *
 * @example
 * const connection = createRedis(config.REDIS_URL!, 'worker');
 */
export function createRedis(url: string, role: ConnectionRole, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: role === 'worker' ? null : 2,
    connectionName: `nightshift-${role}`,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    ...extra,
  });
}

/** Thrown at start-up when Redis could evict keys: a queue must never lose jobs silently. */
export class RedisPolicyError extends Error {
  override name = 'RedisPolicyError';
}

/**
 * Refuses to run against a Redis whose `maxmemory-policy` is not `noeviction`.
 * Managed Redis services that forbid CONFIG are given the benefit of the doubt (a warning).
 */
export async function checkRedisPolicy(
  redis: Redis,
): Promise<{ policy: string | null; warning?: string }> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const policy = reply[1] ?? null;
    if (policy !== 'noeviction') {
      throw new RedisPolicyError(
        `Redis maxmemory-policy is '${policy}'; Nightshift needs 'noeviction' so jobs are never evicted ` +
          `(CONFIG SET maxmemory-policy noeviction, or redis-server --maxmemory-policy noeviction).`,
      );
    }
    return { policy };
  } catch (error) {
    if (error instanceof RedisPolicyError) throw error;
    return {
      policy: null,
      warning: `could not read maxmemory-policy: ${(error as Error).message}`,
    };
  }
}
