import { type Config, loadConfig } from '@nightshift/core';
import { createServices } from '@nightshift/services';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { wireApi } from '../src/api-wiring.ts';
import { createApp } from '../src/app.ts';

/** The scraper's token of the app under test; `metricsAuth` is its header. */
export const testMetricsToken = 'metrics-token-of-the-tests';
export const metricsAuth = { authorization: `Bearer ${testMetricsToken}` };

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
    // Short-lived results and few retries, as before the services layer built them.
    NIGHTSHIFT_JOB_ATTEMPTS: '2',
    NIGHTSHIFT_RESULT_TTL: '60s',
    NIGHTSHIFT_METRICS_TOKEN: testMetricsToken,
    REDIS_URL: redis.url,
    ...env,
  });
  const services = createServices(config);
  const wiring = wireApi(services, {
    isAccepting: () => true,
    hotAdmission: options.hotAdmission ? { cacheMs: 0 } : false,
  });
  const app = createApp(wiring.dependencies);
  const { client, batchStore: store, fleet, webhooks } = services;
  const { hotLane } = wiring.dependencies;
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
      await wiring.close();
      await services.close();
      await redis.stop();
    },
  };
}
