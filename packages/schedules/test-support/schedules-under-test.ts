import { BatchStore, BatchSubmitter } from '@nightshift/batches';
import { createRedis } from '@nightshift/redis';
import { TenantQuotaStore } from '@nightshift/tenants';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { RedisRunCoordinator } from '../src/run-coordinator.ts';
import { ScheduleFirer, type ScheduleFirerOptions } from '../src/schedule-firer.ts';
import { ScheduleStore } from '../src/schedule-store.ts';

/** Test-only: a real Redis with the schedule store, a real batch submitter and a firer. */
export async function schedulesUnderTest() {
  const harness: RedisHarness = await startRedis();
  const redis = createRedis(harness.url, 'client');
  const batches = new BatchStore({ redis, resultTtlMs: 60_000 });
  const submitter = new BatchSubmitter({
    connection: redis,
    store: batches,
    attempts: 1,
    resultTtlMs: 60_000,
  });
  const store = new ScheduleStore({ redis, defaultTimezone: 'Europe/Berlin' });
  const coordinator = new RedisRunCoordinator({ redis });
  const tenantQuotas = new TenantQuotaStore({ redis });
  const firer = (extra: Partial<ScheduleFirerOptions> = {}) =>
    new ScheduleFirer({
      store,
      submitter,
      redis,
      coordinator,
      inboxDirs: [],
      defaultModel: 'qwen3:32b',
      maxDocumentBytes: 1024 * 1024,
      maxDocuments: 100,
      quotas: {
        overrides: tenantQuotas,
        maxQueuedPerTenant: 100_000,
        maxBatchBytes: 500 * 2 ** 20,
      },
      ...extra,
    });
  return {
    harness,
    redis,
    batches,
    store,
    coordinator,
    tenantQuotas,
    firer,
    async close() {
      await submitter.close();
      redis.disconnect();
      await harness.stop();
    },
  };
}
