import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { until } from '@nightshift/testkit/until';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from './redis-connection.ts';
import { isRedisUnreachable, RedisOutageLog } from './redis-outage-log.ts';

type Line = { level: 'info' | 'warn' | 'error'; object: Record<string, unknown>; msg?: string };

function recordingLogger() {
  const lines: Line[] = [];
  const at = (level: Line['level']) => (object: object, msg?: string) =>
    lines.push({ level, object: object as Record<string, unknown>, ...(msg ? { msg } : {}) });
  return { lines, logger: { info: at('info'), warn: at('warn'), error: at('error') } };
}

let redis: RedisHarness;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

describe('RedisOutageLog against a Redis that goes away', () => {
  it('says unreachable once, reminds once per repeat interval, and says reconnected with the time down', async () => {
    let now = 1_000_000;
    const { lines, logger } = recordingLogger();
    const outages = new RedisOutageLog({ logger, repeatMs: 60_000, now: () => now });
    const client = outages.watch(createRedis(redis.url, 'client'));
    try {
      await client.ping();
      await redis.kill();
      await until(async () => lines.some((l) => l.msg === 'redis unreachable'), 10_000);
      expect(outages.down).toBe(true);
      // Several reconnection attempts later, still the one line.
      const attempts = () => lines.length;
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(lines.map((l) => l.msg)).toEqual(['redis unreachable']);
      expect(lines[0]).toMatchObject({ level: 'warn', object: { err: expect.any(String) } });

      now += 61_000;
      await until(async () => attempts() > 1, 10_000);
      expect(lines[1]).toMatchObject({
        level: 'warn',
        msg: 'redis still unreachable',
        object: { downMs: 61_000, errors: expect.any(Number) },
      });
      expect(lines[1]?.object.errors as number).toBeGreaterThan(0);

      now += 4_000;
      await redis.start();
      await until(async () => lines.some((l) => l.msg === 'redis reconnected'), 10_000);
      expect(lines.at(-1)).toMatchObject({
        level: 'info',
        msg: 'redis reconnected',
        object: { downMs: 65_000 },
      });
      expect(outages.down).toBe(false);
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
    }
  });

  it('takes a late echo of the outage for what it is, and logs other errors as one line each', () => {
    let now = 0;
    const { lines, logger } = recordingLogger();
    const outages = new RedisOutageLog({ logger, settleMs: 10_000, now: () => now });
    const heard = outages.listener('hot queue');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), {
      code: 'ECONNREFUSED',
    });
    heard(refused);
    const client = createRedis('redis://127.0.0.1:1', 'client', { lazyConnect: true });
    outages.watch(client);
    now = 2_000;
    client.emit('ready');
    // A duplicate connection's attempt that started before Redis came back: no new outage.
    now = 5_000;
    heard(refused);
    expect(outages.down).toBe(false);
    heard(new Error('ERR unknown command'));
    expect(lines.map((l) => `${l.level} ${l.msg}`)).toEqual([
      'warn redis unreachable',
      'info redis reconnected',
      'error hot queue error',
    ]);
    // Past the settling time, Redis gone again is a new outage.
    now = 20_000;
    heard(refused);
    expect(outages.down).toBe(true);
    client.disconnect();
  });

  it('tells an unreachable Redis from a command that failed on a live one', () => {
    expect(isRedisUnreachable(new Error('connect ECONNREFUSED 127.0.0.1:6379'))).toBe(true);
    expect(isRedisUnreachable(new Error('Connection is closed.'))).toBe(true);
    expect(isRedisUnreachable(new Error('write EPIPE'))).toBe(true);
    expect(
      isRedisUnreachable(new Error('Reached the max retries per request limit (which is 2).')),
    ).toBe(true);
    expect(isRedisUnreachable(new Error('ERR wrong number of arguments'))).toBe(false);
    expect(isRedisUnreachable('ECONNREFUSED')).toBe(false);
  });
});
