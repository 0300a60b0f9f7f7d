import { type ColdJobData, type DocumentResult, keyPrefix, queueNames } from '@nightshift/core';
import { createRedis } from '@nightshift/redis';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { DeliveryLog, WebhookOutbox } from '@nightshift/webhooks';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BatchEvents } from './batch-events.ts';
import { finalEventsKey, openBatchesKey } from './batch-keys.ts';
import { BatchStopper } from './batch-stopper.ts';
import { BatchStore } from './batch-store.ts';
import { BatchSubmitter } from './batch-submitter.ts';
import { FinalEventRelay, finalDeliveryId } from './final-events.ts';

/** A bus that records each ended batch's id into `ended`. */
function endedInto(ended: string[]): BatchEvents {
  const events = new BatchEvents();
  events.on('batch.ended', (e) => ended.push(e.batchId));
  return events;
}

// A batch ends in the step that records its last document, whatever process runs it: no
// notifier, no consumer of the batches' parent jobs runs anywhere in this file.
let redis: RedisHarness;
let client: Redis;
let store: BatchStore;
let submitter: BatchSubmitter;
let outbox: WebhookOutbox;
let deliveries: DeliveryLog;
/** Batch ids, each time a step told the store it ended that batch. */
const ended: string[] = [];

beforeAll(async () => {
  redis = await startRedis();
  client = createRedis(redis.url, 'client');
  store = new BatchStore({
    redis: client,
    resultTtlMs: 60_000,
    events: endedInto(ended),
  });
  submitter = new BatchSubmitter({ connection: client, store, attempts: 1, resultTtlMs: 60_000 });
  deliveries = new DeliveryLog(client, 60_000);
  outbox = new WebhookOutbox({ connection: client, deliveries, attempts: 3, keepMs: 60_000 });
});
beforeEach(async () => {
  await client.flushall();
  ended.length = 0;
});
afterAll(async () => {
  await Promise.all([submitter.close(), outbox.close()]);
  client.disconnect();
  await redis.stop();
});

const hook = { url: 'https://hooks.example.com/in', events: [] };
const submit = (count: number, webhook: typeof hook | null = hook) =>
  submitter.submit({
    tenant: 'acme',
    documents: Array.from({ length: count }, (_, i) => ({
      id: `doc_${i}`,
      content: { kind: 'text' as const, text: `text ${i}` },
    })),
    model: 'm',
    summary: {},
    metadata: {},
    webhook,
    completionWindow: '24h',
  });
const result = (documentId: string, status: 'succeeded' | 'failed'): DocumentResult => ({
  documentId,
  status,
  ...(status === 'failed' ? { error: { code: 'pdf_corrupt', message: 'broken' } } : {}),
  summary: status === 'succeeded' ? 's' : undefined,
  model: 'm',
  usage: { promptTokens: 2, completionTokens: 1 },
});
const record = (batchId: string, documentId: string, status: 'succeeded' | 'failed') =>
  store.moveDocument(batchId, documentId, status, result(documentId, status));

/** A cold worker whose documents start, then wait until `release()` before they are recorded. */
async function heldWorker() {
  const connection = createRedis(redis.url, 'worker');
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const started: string[] = [];
  const worker = new Worker<ColdJobData>(
    queueNames.cold,
    async (job) => {
      const { batchId, documentId } = job.data;
      if ((await store.startDocument(batchId, documentId)).outcome !== 'run') return;
      started.push(documentId);
      await released;
      await record(batchId, documentId, 'succeeded');
    },
    { connection, prefix: keyPrefix, concurrency: 1 },
  );
  return {
    started,
    release,
    async stop() {
      await worker.close();
      connection.disconnect();
    },
  };
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a batch ends in the step that records its last document', () => {
  it('sets status, counts and completedAt at once, starts retention and marks the event pending', async () => {
    const batch = await submit(3);
    await record(batch.id, 'doc_0', 'succeeded');
    await record(batch.id, 'doc_1', 'failed');
    const midway = await store.getForTenant('acme', batch.id);
    expect(midway).toMatchObject({ status: 'queued', completedAt: null });
    expect(ended).toEqual([]);

    await record(batch.id, 'doc_2', 'succeeded');
    const done = await store.getForTenant('acme', batch.id);
    expect(done).toMatchObject({
      status: 'completed_with_errors',
      counts: { total: 3, queued: 0, running: 0, succeeded: 2, failed: 1 },
      usage: { promptTokens: 6, completionTokens: 3 },
    });
    expect(done?.completedAt).not.toBeNull();
    expect(ended).toEqual([batch.id]);
    expect(await client.ttl(`{nightshift}:batch:${batch.id}`)).toBeGreaterThan(0);
    expect(await client.ttl(`{nightshift}:batch:${batch.id}:results`)).toBeGreaterThan(0);
    expect(await client.zscore(openBatchesKey, batch.id)).toBeNull();
    expect(await client.zscore(finalEventsKey, batch.id)).not.toBeNull();
    // A cancel arriving after the end changes nothing.
    const late = await submitter.cancel('acme', batch.id);
    expect(late).toMatchObject({ status: 'completed_with_errors', cancelledAt: null });
  });

  it('ends a batch exactly once when its documents are recorded all at once, and re-runs change nothing', async () => {
    const batch = await submit(40);
    const ids = Array.from({ length: 40 }, (_, i) => `doc_${i}`);
    const connections = Array.from({ length: 4 }, () => createRedis(redis.url, 'client'));
    const stores = connections.map(
      (redis) => new BatchStore({ redis, resultTtlMs: 60_000, events: endedInto(ended) }),
    );
    await Promise.all(
      ids.map((id, i) =>
        stores[i % 4]?.moveDocument(batch.id, id, 'succeeded', result(id, 'succeeded')),
      ),
    );
    const done = await store.getForTenant('acme', batch.id);
    expect(done).toMatchObject({ status: 'completed', counts: { succeeded: 40 } });
    // A job that runs twice records its document again: nothing moves, the batch stays as it was.
    expect(await record(batch.id, 'doc_7', 'failed')).toBe(false);
    expect(await store.getForTenant('acme', batch.id)).toEqual(done);
    expect(ended).toEqual([batch.id]);
    for (const c of connections) c.disconnect();
  });

  it('ends failed when every document failed, and marks no event for a batch without webhook', async () => {
    const failing = await submit(2);
    await record(failing.id, 'doc_0', 'failed');
    await record(failing.id, 'doc_1', 'failed');
    expect((await store.getForTenant('acme', failing.id))?.status).toBe('failed');

    const quiet = await submit(1, null);
    await record(quiet.id, 'doc_0', 'succeeded');
    expect((await store.getForTenant('acme', quiet.id))?.status).toBe('completed');
    expect(await client.zrange(finalEventsKey, 0, -1)).toEqual([failing.id]);
  });

  it('a cancelled batch whose running document finishes later ends cancelled when it does', async () => {
    const batch = await submit(3);
    const worker = await heldWorker();
    await until(() => worker.started.length === 1);
    const cancelled = await submitter.cancel('acme', batch.id);
    // Waiting documents ended at once; the running one holds the batch open.
    expect(cancelled).toMatchObject({
      status: 'cancelled',
      completedAt: null,
      counts: { running: 1, cancelled: 2 },
    });
    expect(ended).toEqual([]);

    worker.release();
    await until(() => ended.length === 1);
    await worker.stop();
    const done = await store.getForTenant('acme', batch.id);
    expect(done).toMatchObject({ status: 'cancelled', counts: { succeeded: 1, cancelled: 2 } });
    expect(done?.completedAt).not.toBeNull();
  });

  it('an expired batch ends expired, at once or when its running document finishes', async () => {
    const stopper = new BatchStopper({ connection: client, store, resultTtlMs: 60_000 });
    const waiting = await submit(2);
    await stopper.expire(waiting.id);
    expect(await store.getForTenant('acme', waiting.id)).toMatchObject({
      status: 'expired',
      counts: { expired: 2 },
      completedAt: expect.any(String),
    });

    const running = await submit(2);
    const worker = await heldWorker();
    await until(() => worker.started.length === 1);
    await stopper.expire(running.id);
    expect((await store.getForTenant('acme', running.id))?.completedAt).toBeNull();
    worker.release();
    await until(() => ended.includes(running.id));
    await worker.stop();
    expect(await store.getForTenant('acme', running.id)).toMatchObject({
      status: 'expired',
      counts: { succeeded: 1, expired: 1 },
    });
    await stopper.close();
  });
});

describe('FinalEventRelay', () => {
  const jobsOf = async () =>
    (await outbox.queue.getJobs(['waiting', 'active', 'completed', 'delayed'])).map((j) => j.id);

  it('queues the final event once under its stable webhook-id, however often it runs', async () => {
    const relay = new FinalEventRelay({ redis: client, store, outbox });
    const batch = await submit(1);
    await record(batch.id, 'doc_0', 'succeeded');
    const deliveryId = finalDeliveryId(batch.id);
    expect(await relay.relay(batch.id)).toBe(deliveryId);
    expect(await relay.relay(batch.id)).toBe(deliveryId);
    await relay.settle(batch.id);
    expect(await relay.relayPending({ graceMs: 0 })).toEqual([]);
    expect(await jobsOf()).toEqual([deliveryId]);
    expect((await deliveries.forBatch(batch.id)).map((d) => d.id)).toEqual([deliveryId]);
    const stored = await store.getForTenant('acme', batch.id);
    // The same bytes on every run: the event's timestamp is when the batch ended.
    expect(JSON.parse((await deliveries.body(deliveryId)) as string)).toEqual({
      type: 'batch.completed',
      timestamp: stored?.completedAt,
      data: stored,
    });
    expect(await client.zscore(finalEventsKey, batch.id)).toBeNull();
  });

  it('picks up events left pending by a process without an outbox, after the grace', async () => {
    const relay = new FinalEventRelay({ redis: client, store, outbox });
    const batch = await submit(2);
    await submitter.cancel('acme', batch.id); // as the API does it: no outbox there
    expect(await relay.relayPending({ graceMs: 60_000 })).toEqual([]);
    expect(await relay.relayPending({ graceMs: 0 })).toEqual([batch.id]);
    expect(await jobsOf()).toEqual([finalDeliveryId(batch.id)]);
    const [delivery] = await deliveries.forBatch(batch.id);
    expect(delivery).toMatchObject({ eventType: 'batch.cancelled', state: 'pending' });
  });

  it('settles a batch whose documents were all recorded before batches ended themselves', async () => {
    const relay = new FinalEventRelay({ redis: client, store, outbox });
    const batch = await submit(2);
    // What an older version left: every document final, the batch not.
    await client.hset(`{nightshift}:batch:${batch.id}`, { queued: 0, succeeded: 2 });
    expect((await store.getForTenant('acme', batch.id))?.completedAt).toBeNull();
    const settled = await relay.settle(batch.id);
    expect(settled).toMatchObject({ status: 'completed', completedAt: expect.any(String) });
    expect(await relay.settle(batch.id)).toEqual(settled);
    expect(await jobsOf()).toEqual([finalDeliveryId(batch.id)]);
  });
});
