import { BatchStore } from '@nightshift/batches';
import { loadConfig } from '@nightshift/core';
import { createRedis } from '@nightshift/redis';
import { ScheduleStore } from '@nightshift/schedules';
import { TenantQuotaStore } from '@nightshift/tenants';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createScheduler, type RunningScheduler } from './scheduler-process.ts';

let harness: RedisHarness;
let redis: Redis;
let store: ScheduleStore;
let replicas: RunningScheduler[] = [];

beforeAll(async () => {
  harness = await startRedis();
  redis = createRedis(harness.url, 'client');
  store = new ScheduleStore({ redis });
});
beforeEach(async () => {
  await redis.flushall();
});
afterEach(async () => {
  await Promise.all(replicas.map((r) => r.stop()));
  replicas = [];
});
afterAll(async () => {
  redis.disconnect();
  await harness.stop();
});

/** Two replicas in this process, each with its own Redis connections. */
async function startReplicas(count = 2) {
  for (let i = 0; i < count; i++) {
    replicas.push(
      await createScheduler(
        loadConfig({
          REDIS_URL: harness.url,
          NIGHTSHIFT_MODEL: 'qwen3:32b',
          NIGHTSHIFT_MAX_DOCUMENT_BYTES: String(1024 * 1024),
          NIGHTSHIFT_MAX_DOCUMENTS: '100',
          NIGHTSHIFT_MAX_QUEUED_PER_TENANT: '100000',
          NIGHTSHIFT_MAX_BATCH_BYTES: String(10 * 2 ** 20),
          NIGHTSHIFT_RESULT_TTL: '60s',
          NIGHTSHIFT_JOB_ATTEMPTS: '1',
        }),
        { pollMs: 500 },
      ),
    );
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const submitted = async (id: string) =>
  (await store.runs(id, 1000)).filter((r) => r.status === 'submitted');
const inline = (text: string) => ({ kind: 'inline' as const, documents: [{ text }] });

describe('live changes', () => {
  it('picks up creation, source edits, cron edits, disabling and deletion without a restart', async () => {
    await startReplicas();
    const s = await store.create('acme', {
      name: 'live',
      cron: '* * * * * *',
      timezone: 'UTC',
      source: inline('one'),
    });
    await expect.poll(() => replicas.every((r) => r.scheduled().includes(s.id))).toBe(true);
    await expect
      .poll(async () => (await submitted(s.id)).length, { timeout: 5_000 })
      .toBeGreaterThanOrEqual(1);

    // A source edit applies at the next fire (no task rebuild needed).
    await store.update('acme', s.id, {
      source: { kind: 'inline', documents: [{ text: 'a' }, { text: 'b' }] },
    });
    await expect
      .poll(async () => (await submitted(s.id))[0]?.documents, { timeout: 5_000 })
      .toBe(2);

    // A cron edit rebuilds the task: from then on only even seconds fire.
    const edited = Date.now();
    await store.update('acme', s.id, { cron: '*/2 * * * * *' });
    await sleep(3_500);
    const after = (await submitted(s.id)).filter((r) => Date.parse(r.firedAt) > edited + 200);
    expect(after.length).toBeGreaterThanOrEqual(1);
    expect(after.every((r) => new Date(r.fireTime).getUTCSeconds() % 2 === 0)).toBe(true);

    // Disabled: every replica drops its task and nothing fires.
    await store.update('acme', s.id, { enabled: false });
    await expect.poll(() => replicas.every((r) => r.scheduled().length === 0)).toBe(true);
    await sleep(300); // a fire already under way may still finish
    const frozen = (await store.runs(s.id, 1000)).length;
    await sleep(2_200);
    expect((await store.runs(s.id, 1000)).length).toBe(frozen);

    // Re-enabled, then deleted: the tasks come back, then go for good.
    await store.update('acme', s.id, { enabled: true });
    await expect.poll(() => replicas.every((r) => r.scheduled().includes(s.id))).toBe(true);
    await store.delete('acme', s.id);
    await expect.poll(() => replicas.every((r) => r.scheduled().length === 0)).toBe(true);
    await sleep(300);
    const batches = new BatchStore({ redis, resultTtlMs: 60_000 });
    const count = (await batches.list('acme', { limit: 100 })).data.length;
    await sleep(2_200);
    expect((await batches.list('acme', { limit: 100 })).data.length).toBe(count);
  }, 30_000);
});

describe('quotas', () => {
  it("keeps a fast schedule within the tenant's unfinished-documents quota, recording skipped fires", async () => {
    await new TenantQuotaStore({ redis }).set('acme', { maxQueuedDocuments: 5 });
    await startReplicas();
    const s = await store.create('acme', {
      name: 'fast',
      cron: '* * * * * *',
      timezone: 'UTC',
      source: { kind: 'inline', documents: [{ text: 'a' }, { text: 'b' }] },
    });
    await expect
      .poll(async () => (await store.runs(s.id, 100)).some((r) => r.status === 'skipped_quota'), {
        timeout: 8_000,
      })
      .toBe(true);
    const batches = new BatchStore({ redis, resultTtlMs: 60_000 });
    expect(await batches.unfinishedDocuments('acme')).toBe(4); // two batches of two; a third would pass 5
    const runs = await store.runs(s.id, 100);
    expect(runs.filter((r) => r.status === 'submitted')).toHaveLength(2);
    expect(runs.find((r) => r.status === 'skipped_quota')).toMatchObject({
      batchId: null,
      errors: [{ code: 'queued_quota_exceeded' }],
    });
  }, 15_000);
});

describe('catchUp when every scheduler was down', () => {
  // Created just after the top of the hour three hours back; no scheduler ran since, so three
  // hourly fires passed unseen whatever minute the test starts in.
  const createdHoursAgo = async (catchUp: 'none' | 'once') => {
    const topOfThisHour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    return store.create(
      'acme',
      { name: 'hourly', cron: '0 * * * *', timezone: 'UTC', catchUp, source: inline('late') },
      new Date(topOfThisHour - 3 * 3_600_000 + 1_000),
    );
  };

  it('once: the replicas starting together fire the latest missed slot exactly once', async () => {
    const s = await createdHoursAgo('once');
    await startReplicas(3);
    await Promise.all(replicas.map((r) => r.settled()));
    const runs = await store.runs(s.id);
    expect(runs).toEqual([expect.objectContaining({ status: 'submitted', catchUp: true })]);
    expect(new Date(runs[0]?.fireTime as string).getUTCMinutes()).toBe(0);
    const batches = await new BatchStore({ redis, resultTtlMs: 60_000 }).list('acme', {
      limit: 10,
    });
    expect(batches.data.map((b) => b.id)).toEqual([runs[0]?.batchId]);
  });

  it('none: no batch, one missed run counting the fires that passed', async () => {
    const s = await createdHoursAgo('none');
    await startReplicas(3);
    await Promise.all(replicas.map((r) => r.settled()));
    expect(await store.runs(s.id)).toEqual([
      expect.objectContaining({ status: 'missed', missedCount: 3, batchId: null }),
    ]);
    const batches = await new BatchStore({ redis, resultTtlMs: 60_000 }).list('acme', {
      limit: 10,
    });
    expect(batches.data).toEqual([]);
  });
});
