import { type ColdJobData, coldDocumentsOf, keyPrefix, queueNames } from '@nightshift/core';
import { createRedis } from '@nightshift/redis';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BatchEvents } from './batch-events.ts';
import { BatchStore } from './batch-store.ts';
import { BatchSubmitter } from './batch-submitter.ts';
import { FairShare } from './fair-share.ts';
import { UnfinishedQuotaError } from './unfinished-quota.ts';

/** A bus that records each ended batch's id into `ended`. */
function endedInto(ended: string[]): BatchEvents {
  const events = new BatchEvents();
  events.on('batch.ended', (e) => ended.push(e.batchId));
  return events;
}

let redis: RedisHarness;
let client: Redis;
let store: BatchStore;
let submitter: BatchSubmitter;
/** Batch ids in the order the step that recorded their last document ended them. */
const ended: string[] = [];

beforeAll(async () => {
  redis = await startRedis();
  client = createRedis(redis.url, 'client');
  store = new BatchStore({
    redis: client,
    resultTtlMs: 60_000,
    events: endedInto(ended),
  });
  submitter = new BatchSubmitter({ connection: client, store, attempts: 2, resultTtlMs: 60_000 });
});
beforeEach(async () => {
  await client.flushall();
  ended.length = 0;
});
afterAll(async () => {
  await submitter.close();
  client.disconnect();
  await redis.stop();
});

const input = (texts: string[], tenant = 'acme') => ({
  tenant,
  documents: texts.map((text, i) => ({ id: `doc_${i}`, content: { kind: 'text' as const, text } })),
  model: 'test-model',
  summary: {},
  metadata: { team: 'qa' },
  webhook: null,
  completionWindow: '24h',
});

/** Runs the cold documents like a worker does; nothing consumes the batches' parent jobs. */
async function drain(process: (job: Job<ColdJobData>) => Promise<void>) {
  const connection = createRedis(redis.url, 'worker');
  const cold = new Worker<ColdJobData>(queueNames.cold, process, { connection, prefix: keyPrefix });
  return {
    async stop() {
      await cold.close();
      connection.disconnect();
    },
  };
}

async function until(check: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a batch as a BullMQ flow', () => {
  it('completes with errors when one document fails, keeping every result', async () => {
    const batch = await submitter.submit(input(['one', 'BAD', 'three']));
    expect(batch.status).toBe('queued');
    expect(batch.counts).toMatchObject({ total: 3, queued: 3 });

    const run = await drain(async (job) => {
      const { batchId, documentId, content } = job.data;
      await store.moveDocument(batchId, documentId, 'running');
      const text = content.kind === 'text' ? content.text : '';
      const usage = { promptTokens: 2, completionTokens: 1 };
      await store.moveDocument(batchId, documentId, text === 'BAD' ? 'failed' : 'succeeded', {
        documentId,
        status: text === 'BAD' ? 'failed' : 'succeeded',
        ...(text === 'BAD'
          ? { error: { code: 'pdf_corrupt', message: 'broken' } }
          : { summary: text.toUpperCase() }),
        model: 'test-model',
        usage,
      });
    });
    await until(async () => ended.includes(batch.id));
    await run.stop();

    const done = await store.getForTenant('acme', batch.id);
    expect(done?.status).toBe('completed_with_errors');
    expect(done?.counts).toMatchObject({
      total: 3,
      queued: 0,
      running: 0,
      succeeded: 2,
      failed: 1,
    });
    expect(done?.usage).toEqual({
      promptTokens: 6,
      completionTokens: 3,
      gpuSeconds: 0,
      energyWh: null,
    });
    expect(done?.completedAt).not.toBeNull();
    const lines = [];
    for await (const line of store.results(batch.id)) lines.push(line);
    expect(lines.map((l) => [l.documentId, l.status, l.summary ?? l.error?.code])).toEqual([
      ['doc_0', 'succeeded', 'ONE'],
      ['doc_1', 'failed', 'pdf_corrupt'],
      ['doc_2', 'succeeded', 'THREE'],
    ]);
  });

  it('counts a document once even when its job runs twice', async () => {
    const batch = await submitter.submit(input(['x']));
    const result = {
      documentId: 'doc_0',
      status: 'succeeded' as const,
      summary: 'x',
      model: 'm',
      usage: { promptTokens: 5, completionTokens: 5 },
    };
    expect(await store.moveDocument(batch.id, 'doc_0', 'running')).toBe(true);
    expect(await store.moveDocument(batch.id, 'doc_0', 'running')).toBe(true);
    expect(await store.moveDocument(batch.id, 'doc_0', 'succeeded', result)).toBe(true);
    expect(await store.moveDocument(batch.id, 'doc_0', 'succeeded', result)).toBe(false);
    expect(await store.moveDocument(batch.id, 'doc_0', 'running')).toBe(false);
    const after = await store.getForTenant('acme', batch.id);
    expect(after?.counts).toMatchObject({ queued: 0, running: 0, succeeded: 1 });
    expect(after?.usage.promptTokens).toBe(5);
  });

  it('cancels waiting documents at once and ends the batch as cancelled in the same call', async () => {
    const batch = await submitter.submit(input(['a', 'b', 'c', 'd']));
    const cancelled = await submitter.cancel('acme', batch.id);
    expect(cancelled?.status).toBe('cancelled');
    expect(cancelled?.counts).toMatchObject({ cancelled: 4, queued: 0 });
    expect(cancelled?.completedAt).not.toBeNull();
    expect(ended).toEqual([batch.id]);
    const coldQueue = new Queue(queueNames.cold, { connection: client, prefix: keyPrefix });
    expect(await coldQueue.count()).toBe(0);
    await coldQueue.close();
  });

  it('hides other tenants and lists newest first with a cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await submitter.submit(input(['t']), new Date(Date.now() + i))).id);
    }
    await submitter.submit(input(['t'], 'globex'));
    expect(await store.getForTenant('globex', ids[0] as string)).toBeNull();
    expect(await submitter.cancel('globex', ids[0] as string)).toBeNull();

    const first = await store.list('acme', { limit: 2 });
    expect(first.data.map((b) => b.id)).toEqual([ids[4], ids[3]]);
    expect(first.hasMore).toBe(true);
    const rest = await store.list('acme', { limit: 10, after: ids[3] });
    expect(rest.data.map((b) => b.id)).toEqual([ids[2], ids[1], ids[0]]);
    expect(rest.hasMore).toBe(false);
  });
});

describe('a large batch queued in slices', () => {
  it('queues every document, opens the gate, and completes only when all are done', async () => {
    const texts = Array.from({ length: 1_200 }, (_, i) => `text ${i}`);
    const batch = await submitter.submit(input(texts));
    const cold = new Queue(queueNames.cold, { connection: client, prefix: keyPrefix });
    const gates = new Queue('batch-gates', { connection: client, prefix: keyPrefix });
    const parents = new Queue(queueNames.batches, { connection: client, prefix: keyPrefix });
    expect(await cold.count()).toBe(1_200);
    expect(await gates.getJob(`${batch.id}-gate`)).toBeUndefined(); // opened once all were in
    expect(await (await parents.getJob(batch.id))?.getState()).toBe('waiting-children');
    await Promise.all([cold.close(), gates.close()]);

    const run = await drain(async (job) => {
      const { batchId, documentId } = job.data;
      await store.moveDocument(batchId, documentId, 'succeeded', {
        documentId,
        status: 'succeeded',
        summary: 's',
        model: 'm',
        usage: { promptTokens: 1, completionTokens: 1 },
      });
    });
    await until(async () => ended.includes(batch.id), 30_000);
    const done = await store.getForTenant('acme', batch.id);
    expect(done).toMatchObject({ status: 'completed', counts: { total: 1_200, succeeded: 1_200 } });
    // BullMQ's bookkeeping agrees: the parent is ready for the worker that settles it.
    await until(async () => (await (await parents.getJob(batch.id))?.getState()) === 'waiting');
    await Promise.all([run.stop(), parents.close()]);
  });
});

describe('a batch of short texts packed a few to a cold job', () => {
  const grouped = (fairShare?: FairShare) =>
    new BatchSubmitter({
      connection: client,
      store,
      attempts: 2,
      resultTtlMs: 60_000,
      grouping: { maxPerJob: 4, slots: 2 },
      ...(fairShare ? { priorityFor: fairShare.priorityFor } : {}),
    });
  const coldJobs = async () => {
    const queue = new Queue<ColdJobData>(queueNames.cold, {
      connection: client,
      prefix: keyPrefix,
    });
    const jobs = await queue.getJobs(['waiting', 'prioritized']);
    await queue.close();
    return jobs;
  };

  it('queues one job per group with every document in order, and cancel ends them all', async () => {
    const submitter = grouped();
    // 80 short texts on 2 slots: 80 / (2 × 8) = 5 → groups of 4, the last round cut to 2, 1, 1.
    const batch = await submitter.submit(input(Array.from({ length: 80 }, (_, i) => `t${i}`)));
    const jobs = await coldJobs();
    expect(jobs).toHaveLength(22);
    const carried = jobs.flatMap((job) => coldDocumentsOf(job.data).map((d) => d.index));
    expect(carried.sort((a, b) => a - b)).toEqual(Array.from({ length: 80 }, (_, i) => i));
    const sizes = jobs.map((job) => coldDocumentsOf(job.data).length).sort((a, b) => b - a);
    expect(sizes).toEqual([...Array(19).fill(4), 2, 1, 1]);

    const cancelled = await submitter.cancel('acme', batch.id);
    expect(cancelled?.counts).toMatchObject({ total: 80, cancelled: 80, queued: 0 });
    expect(await coldJobs()).toHaveLength(0);
    await submitter.close();
  });

  it('spends one fair-share turn per document, not per job', async () => {
    const fairShare = new FairShare({ redis: client, modelGroups: 1 });
    const submitter = grouped(fairShare);
    await submitter.submit(
      input(
        Array.from({ length: 80 }, (_, i) => `big${i}`),
        'big',
      ),
    );
    await submitter.submit(
      input(
        Array.from({ length: 4 }, (_, i) => `small${i}`),
        'small',
      ),
    );
    // Run order is BullMQ's: lowest priority first, then insertion.
    const order = (await coldJobs())
      .sort((a, b) => a.priority - b.priority || Number(a.timestamp) - Number(b.timestamp))
      .map((job) => ({ tenant: job.data.tenant, documents: coldDocumentsOf(job.data).length }));
    // The small tenant's 4 lone documents take turns 1-4; the big tenant's first group of 4
    // holds turns 1-4 too, so its second group waits behind all four of them.
    const smallDone = order.findIndex(
      (_, i) => order.slice(0, i + 1).filter((j) => j.tenant === 'small').length === 4,
    );
    const bigDocumentsBefore = order
      .slice(0, smallDone)
      .filter((j) => j.tenant === 'big')
      .reduce((sum, j) => sum + j.documents, 0);
    expect(bigDocumentsBefore).toBeLessThanOrEqual(4);
    await submitter.close();
  });
});

describe('BatchStore.create', () => {
  const record = (id: string, count: number) => ({
    id,
    tenant: 'acme',
    model: 'm',
    summary: {},
    metadata: {},
    webhook: null,
    completionWindow: '24h',
    scheduleId: null,
    documentIds: Array.from({ length: count }, (_, i) => `doc_${i}`),
    createdAt: new Date(),
    expiresAt: new Date(Date.now() + 86_400_000),
  });

  it('writes a batch of thousands of documents in one step, ids in order, counted once', async () => {
    await store.create(record('batch_big', 2_500), { max: 10_000, adding: 2_500 });
    expect(await client.lrange('{nightshift}:batch:batch_big:documents', 0, -1)).toEqual(
      record('x', 2_500).documentIds,
    );
    expect((await store.getForTenant('acme', 'batch_big'))?.counts).toMatchObject({
      total: 2_500,
      queued: 2_500,
    });
    expect(await client.hget('{nightshift}:tenants:unfinished', 'acme')).toBe('2500');
  });

  it('refuses a batch past the quota and leaves nothing of it behind', async () => {
    await store.create(record('batch_first', 8_000));
    await expect(
      store.create(record('batch_second', 3_000), { max: 10_000, adding: 3_000 }),
    ).rejects.toBeInstanceOf(UnfinishedQuotaError);
    expect(await client.exists('{nightshift}:batch:batch_second')).toBe(0);
    expect(await client.exists('{nightshift}:batch:batch_second:documents')).toBe(0);
    expect(await store.getForTenant('acme', 'batch_second')).toBeNull();
    expect(await client.hget('{nightshift}:tenants:unfinished', 'acme')).toBe('8000');
  });
});
