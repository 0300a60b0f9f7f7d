import { createRedis } from '@nightshift/redis';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeliveryAttempt, DeliveryLog } from './delivery-log.ts';

let redis: RedisHarness;
let client: Redis;
let log: DeliveryLog;

beforeAll(async () => {
  redis = await startRedis();
  client = createRedis(redis.url, 'client');
  log = new DeliveryLog(client, 60_000);
});
afterAll(async () => {
  client.disconnect();
  await redis.stop();
});

const attempt = (status: number | null, error: string | null = null): DeliveryAttempt => ({
  at: new Date().toISOString(),
  url: 'https://example.com/hook',
  status,
  durationMs: 12,
  error,
  response: null,
});
const open = (id: string, tenant = 'acme', batchId = 'batch_1') =>
  log.open({
    id,
    tenant,
    batchId,
    eventType: 'batch.completed',
    url: 'https://example.com/hook',
    body: '{"a":1}',
  });

describe('DeliveryLog', () => {
  it('opens a delivery once and keeps its body for replays', async () => {
    expect(await open('msg_a')).toBe(true);
    expect(await open('msg_a')).toBe(false);
    expect(await log.body('msg_a')).toBe('{"a":1}');
    expect(await log.get('msg_a')).toMatchObject({ id: 'msg_a', state: 'pending', attempts: [] });
  });

  it('keeps every attempt, even when they are recorded at the same time', async () => {
    await open('msg_b');
    await Promise.all([500, 502, 503, 504].map((s) => log.recordAttempt('msg_b', attempt(s))));
    const d = await log.get('msg_b');
    expect(d?.attempts.map((a) => a.status).sort()).toEqual([500, 502, 503, 504]);
  });

  it('lists failed deliveries as dead letters until they are settled otherwise', async () => {
    const since = new Date(Date.now() - 1);
    await open('msg_c');
    await log.recordAttempt('msg_c', attempt(500, 'http_500'), {
      settle: 'failed',
      tenant: 'acme',
    });
    expect(await log.failedSince('acme', since)).toContain('msg_c');
    expect(await log.failedSince('globex', since)).toEqual([]);
    expect(await log.failedSince('acme', new Date(Date.now() + 60_000))).toEqual([]);
    await log.settle('msg_c', 'delivered');
    expect(await log.failedSince('acme', since)).not.toContain('msg_c');
  });

  it('lists a batch’s deliveries in order and hides them from other tenants', async () => {
    await open('msg_d1', 'acme', 'batch_2');
    await open('msg_d2', 'acme', 'batch_2');
    expect((await log.forBatch('batch_2')).map((d) => d.id)).toEqual(['msg_d1', 'msg_d2']);
    expect(await log.getForTenant('globex', 'msg_d1')).toBeNull();
    expect(await log.getForTenant('acme', 'msg_d1')).not.toBeNull();
  });

  it('disables and re-enables a URL per tenant', async () => {
    await log.disableUrl('acme', 'https://gone.example/hook', 'msg_x');
    expect(await log.disabledUrl('acme', 'https://gone.example/hook')).toMatchObject({
      deliveryId: 'msg_x',
    });
    expect(await log.disabledUrl('globex', 'https://gone.example/hook')).toBeNull();
    expect(await log.disabledUrls('acme')).toHaveLength(1);
    await log.enableUrl('acme', 'https://gone.example/hook');
    expect(await log.disabledUrl('acme', 'https://gone.example/hook')).toBeNull();
  });
});
