import { type ColdJobData, coldDocumentsOf, keyPrefix, queueNames } from '@nightshift/core';
import { createRedis } from '@nightshift/redis';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { coldJobId } from './batch-gates.ts';
import { BatchStore } from './batch-store.ts';
import { BatchSubmitter } from './batch-submitter.ts';
import { ColdGroupRelease } from './cold-release.ts';

let redis: RedisHarness;
let client: Redis;
let store: BatchStore;
let cold: Queue<ColdJobData>;
const closing: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  redis = await startRedis();
  client = createRedis(redis.url, 'client');
  store = new BatchStore({ redis: client, resultTtlMs: 60_000 });
  cold = new Queue<ColdJobData>(queueNames.cold, { connection: client, prefix: keyPrefix });
});
beforeEach(async () => {
  await client.flushall();
});
afterEach(async () => {
  for (const close of closing.splice(0)) await close();
});
afterAll(async () => {
  await cold.close();
  client.disconnect();
  await redis.stop();
});

/** 16 short texts on one slot: groups of 2 (16 / 8 jobs per slot), 8 jobs. */
async function submitGroups() {
  const submitter = new BatchSubmitter({
    connection: client,
    store,
    attempts: 3,
    resultTtlMs: 60_000,
    grouping: { maxPerJob: 4, slots: 1 },
    priorityFor: async (_tenant, count) => Array.from({ length: count }, () => 7),
  });
  closing.push(() => submitter.close());
  return submitter.submit({
    tenant: 'acme',
    documents: Array.from({ length: 16 }, (_, i) => ({
      id: `doc_${i}`,
      content: { kind: 'text' as const, text: `text ${i}` },
    })),
    model: 'test-model',
    summary: {},
    metadata: {},
    webhook: null,
    completionWindow: '24h',
  });
}

/** Takes the next cold job as a worker would (locked, active), without processing it. */
async function takeJob(): Promise<Job<ColdJobData>> {
  const connection = createRedis(redis.url, 'worker');
  const worker = new Worker<ColdJobData>(queueNames.cold, null, {
    connection,
    prefix: keyPrefix,
    autorun: false,
  });
  closing.push(async () => {
    await worker.close(true);
    connection.disconnect();
  });
  return (await worker.getNextJob('test-token')) as Job<ColdJobData>;
}

describe('ColdGroupRelease', () => {
  it('waits while a cold job waits for a slot, or while no slot is free', async () => {
    await submitGroups();
    const free = new ColdGroupRelease({ queue: cold, spareSlots: () => 3 });
    const full = new ColdGroupRelease({ queue: cold, spareSlots: () => 0 });
    expect(await free.shouldRelease()).toBe(false); // 8 jobs wait
    await cold.obliterate({ force: true });
    expect(await full.shouldRelease()).toBe(false);
    expect(await free.shouldRelease()).toBe(true);
  });

  it("queues a group's unstarted documents as jobs of their own under the same batch, once", async () => {
    const batch = await submitGroups();
    const job = await takeJob();
    const [started, ...unstarted] = coldDocumentsOf(job.data);
    expect(unstarted.length).toBeGreaterThan(0);
    const release = new ColdGroupRelease({ queue: cold, spareSlots: () => 1 });
    const parentDependencies = `${keyPrefix}:${queueNames.batches}:${batch.id}:dependencies`;
    const before = await client.scard(parentDependencies);

    await release.release(job, [started as (typeof unstarted)[number]], unstarted);
    // Twice: a job run again after a crash between the two steps adds nothing more.
    await release.release(job, [started as (typeof unstarted)[number]], unstarted);

    // The running job keeps only what it started, in Redis too (retries, yields, the sweep).
    expect(coldDocumentsOf(job.data)).toEqual([started]);
    const stored = (await cold.getJob(job.id as string)) as Job<ColdJobData>;
    expect(coldDocumentsOf(stored.data)).toEqual([started]);
    // Each released document is a job of its own: same batch and parent, priority, attempts.
    for (const document of unstarted) {
      const own = (await cold.getJob(coldJobId(batch.id, document.index))) as Job<ColdJobData>;
      expect(coldDocumentsOf(own.data)).toEqual([document]);
      expect(own.data).toMatchObject({ batchId: batch.id, tenant: 'acme', model: 'test-model' });
      expect(own.opts).toMatchObject({ attempts: 3, priority: 7 });
      expect(own.parent?.id).toBe(batch.id);
    }
    // The batch waits for them as for every other cold job.
    expect(await client.scard(parentDependencies)).toBe(before + unstarted.length);
  });
});
