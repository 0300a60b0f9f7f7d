import { type ColdJobData, coldDocumentsOf, keyPrefix, queueNames } from '@nightshift/core';
import { createRedis } from '@nightshift/redis';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { until } from '@nightshift/testkit/until';
import { type Job, Queue, Worker, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BatchEvents } from './batch-events.ts';
import { BatchStore } from './batch-store.ts';
import { BatchSubmitter } from './batch-submitter.ts';
import { StrandedDocuments, stalledTooOften } from './stranded-documents.ts';

/** A bus that records each ended batch's id into `ended`. */
function endedInto(ended: string[]): BatchEvents {
  const events = new BatchEvents();
  events.on('batch.ended', (e) => ended.push(e.batchId));
  return events;
}

let redis: RedisHarness;
let client: Redis;
let store: BatchStore;
let cold: Queue<ColdJobData>;
let stranded: StrandedDocuments;
/** Batch ids each time a document step ended its batch. */
const ended: string[] = [];
const closing: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  redis = await startRedis();
  client = createRedis(redis.url, 'client');
  store = new BatchStore({
    redis: client,
    resultTtlMs: 60_000,
    events: endedInto(ended),
  });
  cold = new Queue<ColdJobData>(queueNames.cold, { connection: client, prefix: keyPrefix });
  stranded = new StrandedDocuments({ redis: client, store, attempts: 2, resultTtlMs: 60_000 });
});
beforeEach(async () => {
  await client.flushall();
  ended.length = 0;
});
afterEach(async () => {
  for (const close of closing.splice(0)) await close();
});
afterAll(async () => {
  await stranded.close();
  await cold.close();
  client.disconnect();
  await redis.stop();
});

/** Submits `count` short texts, `perJob` to a cold job, each job promised `attempts`. */
async function submit(count: number, { attempts = 2, perJob = 1 } = {}) {
  const submitter = new BatchSubmitter({
    connection: client,
    store,
    attempts,
    resultTtlMs: 60_000,
    // `count / 8` per job on one slot, capped at `perJob` (see planColdJobs).
    grouping: { maxPerJob: perJob, slots: 1 },
  });
  closing.push(() => submitter.close());
  return submitter.submit({
    tenant: 'acme',
    documents: Array.from({ length: count }, (_, i) => ({
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

/** A sweep as the next replica to take its turn makes it (the last one's lock is gone). */
async function sweep(now?: Date) {
  await client.del(`${keyPrefix}:sweeps:stranded-documents`);
  return stranded.sweep({ holder: 'w1', lockMs: 60_000 }, now);
}

/** Records each of a job's documents as a worker does: start, then succeeded. */
async function runDocuments(job: Job<ColdJobData>, only?: (documentId: string) => boolean) {
  for (const { documentId } of coldDocumentsOf(job.data)) {
    if (only && !only(documentId)) continue;
    const start = await store.startDocument(job.data.batchId, documentId);
    if (start.outcome !== 'run') continue;
    await store.moveDocument(job.data.batchId, documentId, 'succeeded', {
      documentId,
      status: 'succeeded',
      summary: 'ok',
      model: 'test-model',
      usage: { promptTokens: 1, completionTokens: 1 },
    });
  }
}

/** A BullMQ worker of the cold queue (its own blocking connection), closed after the test. */
function coldWorker(options: Partial<WorkerOptions> = {}) {
  const connection = createRedis(redis.url, 'worker');
  const worker = new Worker<ColdJobData>(queueNames.cold, (job) => runDocuments(job), {
    connection,
    prefix: keyPrefix,
    // One stalled check per interval runs across all workers: keep every one of them quick.
    stalledInterval: 100,
    ...options,
  });
  closing.push(async () => {
    await worker.close(true);
    connection.disconnect();
  });
  return worker;
}

/**
 * A worker takes the next cold job, runs its first document and starts its second, then dies
 * (its lock is never renewed) more often than `maxStalledCount` allows: BullMQ's stalled check
 * marks it, and the next worker to fetch it fails it (`job stalled more than allowable limit`)
 * without running it. Returns that job as it ended.
 */
async function stallOut(maxStalledCount: number) {
  const dying = coldWorker({ autorun: false, lockDuration: 200, skipLockRenewal: true });
  const job = (await dying.getNextJob('dying-token')) as Job<ColdJobData>;
  const [first, second] = coldDocumentsOf(job.data);
  await runDocuments(job, (id) => id === first?.documentId);
  if (second) await store.startDocument(job.data.batchId, second.documentId);
  const checker = coldWorker({ autorun: false, maxStalledCount });
  await checker.startStalledCheckTimer();
  const failed = new Promise<Job<ColdJobData>>((resolve) =>
    coldWorker({ maxStalledCount }).on('failed', (j) => {
      if (j?.id === job.id) resolve(j as Job<ColdJobData>);
    }),
  );
  return { job: await failed, first, second };
}

describe('stranded documents', () => {
  it('a job stalled more often than allowed: its unfinished documents end failed once, the batch ends', async () => {
    // 8 jobs of 2 documents, each promised one attempt: a worker dying under it spends it.
    const batch = await submit(16, { perJob: 2, attempts: 1 });
    const { job, first, second } = await stallOut(0);
    expect(job.failedReason).toBe(stalledTooOften);
    await until(async () => (await store.get(batch.id))?.batch.counts.succeeded === 15, 10_000);
    expect((await store.get(batch.id))?.batch.counts).toMatchObject({ running: 1, queued: 0 });

    const outcomes = await sweep();
    expect(outcomes).toEqual([{ batchId: batch.id, ended: [second?.documentId], requeued: [] }]);
    const results = new Map<string, { status: string; error?: { code: string } }>();
    for await (const r of store.results(batch.id)) results.set(r.documentId, r);
    expect(results.get(first?.documentId ?? '')?.status).toBe('succeeded');
    expect(results.get(second?.documentId ?? '')).toMatchObject({
      status: 'failed',
      error: { code: 'worker_lost' },
    });
    expect((await store.get(batch.id))?.batch.status).toBe('completed_with_errors');
    // Again, and from the worker that failed the job: nothing more happens.
    expect(await sweep()).toEqual([]);
    expect(await stranded.settleFailedJob(job)).toEqual({ ended: [], requeued: false });
    expect(ended).toEqual([batch.id]);
  });

  it('a group never started by its stalled job: every document of it ends worker_lost', async () => {
    const batch = await submit(24, { perJob: 3, attempts: 1 }); // 8 jobs of 3
    const { job } = await stallOut(0);
    const settled = await stranded.settleFailedJob(job); // as the worker that failed it does
    const ids = coldDocumentsOf(job.data).map((d) => d.documentId);
    expect(settled.ended).toEqual(ids.slice(1)); // the first one had finished
    await until(async () => (await store.get(batch.id))?.batch.completedAt, 10_000);
    expect((await store.get(batch.id))?.batch.counts).toMatchObject({ succeeded: 22, failed: 2 });
  });

  it('attempts still owed (a stall limit below them): the job goes back to the queue and runs', async () => {
    const batch = await submit(16, { attempts: 3, perJob: 2 });
    const { job, second } = await stallOut(0); // an older worker allowing no stall at all
    expect(job.stalledCounter).toBe(1);
    await until(async () => (await store.get(batch.id))?.batch.counts.succeeded === 15, 10_000);
    const outcomes = await sweep();
    expect(outcomes).toEqual([{ batchId: batch.id, ended: [], requeued: [job.id] }]);
    // Back in the queue without the stall mark: the running worker runs it this time.
    await until(async () => (await store.get(batch.id))?.batch.completedAt, 10_000);
    const stored = await store.get(batch.id);
    expect(stored?.batch).toMatchObject({ status: 'completed', counts: { succeeded: 16 } });
    const lines = [];
    for await (const r of store.results(batch.id)) lines.push(r);
    expect(lines.find((r) => r.documentId === second?.documentId)?.status).toBe('succeeded');
  });

  it('documents of live jobs are left alone: waiting, and running under a lock', async () => {
    const batch = await submit(3);
    const holding = coldWorker({ autorun: false, lockDuration: 60_000 });
    const job = (await holding.getNextJob('holding-token')) as Job<ColdJobData>;
    await store.startDocument(batch.id, job.data.documentId);
    expect(await sweep()).toEqual([]);
    expect((await store.get(batch.id))?.batch.counts).toMatchObject({ running: 1, queued: 2 });
  });

  it('documents whose job is gone end failed (job_lost) once no child job of the batch lives', async () => {
    const batch = await submit(3);
    const gone = (await cold.getJob(`${batch.id}-1`)) as Job<ColdJobData>;
    await gone.remove(); // removed by hand: its document stays queued with nothing to run it
    expect(await sweep()).toEqual([]); // two jobs still live
    coldWorker();
    await until(async () => (await store.get(batch.id))?.batch.counts.succeeded === 2, 10_000);
    const outcomes = await sweep();
    expect(outcomes).toEqual([{ batchId: batch.id, ended: ['doc_1'], requeued: [] }]);
    const lines = [];
    for await (const r of store.results(batch.id)) lines.push(r);
    expect(lines[1]).toMatchObject({ status: 'failed', error: { code: 'job_lost' } });
    expect(ended).toEqual([batch.id]);
  });

  it('a stopped batch: its stranded documents end in its stop state', async () => {
    const batch = await submit(2);
    await ((await cold.getJob(`${batch.id}-0`)) as Job<ColdJobData>).remove();
    await ((await cold.getJob(`${batch.id}-1`)) as Job<ColdJobData>).remove();
    await store.requestCancel('acme', batch.id); // the cancel's own step died before recording
    await sweep();
    expect((await store.get(batch.id))?.batch).toMatchObject({
      status: 'cancelled',
      counts: { cancelled: 2 },
    });
  });

  it('a batch still being queued (no parent job yet) waits out the submit grace', async () => {
    const now = new Date();
    await store.create({
      id: 'batch_unqueued',
      tenant: 'acme',
      model: 'test-model',
      summary: {},
      metadata: {},
      webhook: null,
      completionWindow: '24h',
      scheduleId: null,
      documentIds: ['a', 'b'],
      createdAt: now,
      expiresAt: new Date(now.getTime() + 86_400_000),
    });
    expect(await sweep(now)).toEqual([]);
    const later = new Date(now.getTime() + 121_000); // the API died before queueing it
    const outcomes = await sweep(later);
    expect(outcomes).toEqual([{ batchId: 'batch_unqueued', ended: ['a', 'b'], requeued: [] }]);
  });

  it('one replica sweeps at a time: the lock holder sweeps, the others skip', async () => {
    await submit(1);
    const [a, b] = await Promise.all([
      stranded.sweep({ holder: 'w1', lockMs: 5_000 }),
      stranded.sweep({ holder: 'w2', lockMs: 5_000 }),
    ]);
    expect([a, b].filter((o) => o === null)).toHaveLength(1);
    expect(await client.pttl(`${keyPrefix}:sweeps:stranded-documents`)).toBeGreaterThan(0);
  });
});
