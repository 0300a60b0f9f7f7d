import { BatchStore, BatchSubmitter, FairShare } from '@nightshift/batches';
import { type Config, createRedis, loadConfig } from '@nightshift/core';
import { FleetRegistry } from '@nightshift/fleet';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { checkWebhookUrl } from '@nightshift/webhooks';
import { createApp } from '../app.ts';
import { HotLane } from '../hot-lane.ts';
import { hotLaneAdmission } from '../middleware/hot-admission.ts';
import { createWebhookDependencies } from '../routes/deliveries.ts';

/**
 * The real app on a real Redis, for `app.request()` tests. Pass `redisUrl` to run a second
 * replica on the first one's Redis (its `close()` then leaves that Redis running).
 */
export async function apiUnderTest(
  env: Record<string, string> = {},
  options: { hotAdmission?: boolean; redisUrl?: string } = {},
) {
  const redis: RedisHarness = await startRedis(options.redisUrl ? { url: options.redisUrl } : {});
  const config: Config = loadConfig({
    NIGHTSHIFT_API_KEYS: 'acme:acme-key,globex:globex-key',
    // Tests submit far faster than a client may; limit tests set their own rate.
    NIGHTSHIFT_BATCH_RATE_PER_MIN: '100000',
    NIGHTSHIFT_BATCH_BURST: '100000',
    REDIS_URL: redis.url,
    ...env,
  });
  const client = createRedis(redis.url, 'client');
  const events = createRedis(redis.url, 'worker');
  const store = new BatchStore({ redis: client, resultTtlMs: 60_000 });
  const submitter = new BatchSubmitter({
    connection: client,
    store,
    attempts: 2,
    resultTtlMs: 60_000,
    priorityFor: new FairShare({
      redis: client,
      modelGroups: config.NIGHTSHIFT_MODEL_GROUPS,
      roundLength: config.NIGHTSHIFT_MODEL_ROUND,
    }).priorityFor,
  });
  const hotLane = new HotLane({ connection: client, eventsConnection: events });
  const webhooks = createWebhookDependencies(client, config);
  const fleet = new FleetRegistry({ redis: client });
  const app = createApp({
    config,
    redis: client,
    store,
    submitter,
    hotLane,
    fleet,
    webhooks,
    ...(options.hotAdmission
      ? {
          hotAdmission: hotLaneAdmission({
            registry: fleet,
            waiting: () => hotLane.waiting(),
            maxUsedPct: config.NIGHTSHIFT_VRAM_MAX_USED_PCT,
            maxQueue: config.NIGHTSHIFT_HOT_MAX_QUEUE,
            cacheMs: 0,
          }),
        }
      : {}),
    isAccepting: () => true,
    checkWebhookUrl: async (url) => {
      const check = await checkWebhookUrl(url, {
        allowPrivate: config.NIGHTSHIFT_WEBHOOK_ALLOW_PRIVATE,
        allowList: config.NIGHTSHIFT_WEBHOOK_ALLOW_LIST,
      });
      return check.ok ? { ok: true } : { ok: false, detail: check.detail };
    },
  });
  const auth = (key = 'acme-key') => ({ authorization: `Bearer ${key}` });
  const postJson = (path: string, body: unknown, key = 'acme-key') =>
    app.request(path, {
      method: 'POST',
      headers: { ...auth(key), 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  return {
    app,
    redis,
    client,
    store,
    hotLane,
    fleet,
    webhooks,
    auth,
    postJson,
    async close() {
      await Promise.all([submitter.close(), hotLane.close(), webhooks.outbox.close()]);
      client.disconnect();
      events.disconnect();
      await redis.stop();
    },
  };
}
