import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * A Lua script sent once and then called by its SHA-1 (EVALSHA), so hot paths do not resend
 * the script text on every call. After a Redis restart the script cache is empty: the NOSCRIPT
 * answer falls back to EVAL, which caches it again.
 *
 * @example
 * const bump = new LuaScript("return redis.call('INCRBY', KEYS[1], ARGV[1])");
 * await bump.run(redis, ['counter'], [5]);
 */
export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error as Error).message.includes('NOSCRIPT')) throw error;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
