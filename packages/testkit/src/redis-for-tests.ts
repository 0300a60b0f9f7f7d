import { afterAll, beforeAll } from 'vitest';
import { type RedisHarness, startRedis } from './redis-harness.ts';

/** A test file's own Redis: the server and one connection to it, ready inside every test. */
export interface RedisForTests<C> {
  /** The private redis-server (kill it, restart it, read its URL). */
  harness: RedisHarness;
  /** The connection `connect` made. */
  redis: C;
}

/**
 * Starts a private redis-server for the calling test file (vitest `beforeAll`) and connects to
 * it with `connect`; disconnects and stops it after the file (`afterAll`). Read the fields inside
 * tests or hooks, once they have started.
 *
 * @example
 * const db = useRedis((url) => createRedis(url, 'client'));
 * it('counts', async () => { await db.redis.incr('n'); });
 */
export function useRedis<C extends { disconnect(): void }>(
  connect: (url: string) => C,
): RedisForTests<C> {
  const state = {} as RedisForTests<C>;
  beforeAll(async () => {
    state.harness = await startRedis();
    state.redis = connect(state.harness.url);
  });
  afterAll(async () => {
    state.redis?.disconnect();
    await state.harness?.stop();
  });
  return state;
}
