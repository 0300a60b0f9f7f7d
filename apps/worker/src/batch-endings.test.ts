import { finalDeliveryId } from '@nightshift/batches';
import { keyPrefix, queueNames } from '@nightshift/core';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { sampleTexts } from '@nightshift/testkit/sample-documents';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { until, workerUnderTest } from '../test-support/worker-under-test.ts';

// No notifier runs in this file: the worker alone ends batches and queues their final events.
let redis: RedisHarness;
let harness: Awaited<ReturnType<typeof workerUnderTest>> | undefined;
let webhooks: Queue | undefined;
beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  await webhooks?.close();
  await harness?.close();
  harness = undefined;
});
afterAll(async () => {
  await redis.stop();
});

const webhook = { url: 'https://hooks.example.com/in', events: [] };

async function start(env: Record<string, string>) {
  harness = await workerUnderTest(redis, env);
  await harness.client.flushall();
  webhooks = new Queue(queueNames.webhooks, { connection: harness.client, prefix: keyPrefix });
  return { h: harness, webhooks };
}

describe('batch endings on the worker', () => {
  it('ends the batch with its last document and queues its final event once, no notifier needed', async () => {
    const { h, webhooks } = await start({});
    const batch = await h.submit([sampleTexts.meetingNotes, sampleTexts.customerEmail], undefined, {
      webhook,
    });
    await until(async () => (await h.batch(batch.id)).completedAt !== null, 15_000, 'ended');
    expect(await h.batch(batch.id)).toMatchObject({
      status: 'completed',
      counts: { total: 2, succeeded: 2, queued: 0, running: 0 },
    });
    // Queued right after the step that ended the batch.
    const job = await until(
      async () => await webhooks.getJob(finalDeliveryId(batch.id)),
      5_000,
      'final event queued',
    );
    expect(job.name).toBe('batch.completed');
    expect(JSON.parse(job.data.body)).toMatchObject({
      type: 'batch.completed',
      data: { id: batch.id, status: 'completed' },
    });
    // The parent job is settled too, and settling it queued nothing more.
    const parents = new Queue(queueNames.batches, { connection: h.client, prefix: keyPrefix });
    await until(
      async () => (await (await parents.getJob(batch.id))?.getState()) === 'completed',
      5_000,
      'parent settled',
    );
    await parents.close();
    expect(await webhooks.count()).toBe(1);
  });

  it('queues the event of a batch the API ended (cancel of waiting documents) by its sweep', async () => {
    const { h, webhooks } = await start({ NIGHTSHIFT_COLD_WINDOWS: 'never' });
    const batch = await h.submit([sampleTexts.meetingNotes], undefined, { webhook });
    const cancelled = await h.cancel(batch.id);
    expect(cancelled).toMatchObject({ status: 'cancelled', completedAt: expect.any(String) });
    const job = await until(
      async () => await webhooks.getJob(finalDeliveryId(batch.id)),
      10_000,
      'final event queued',
    );
    expect(job.name).toBe('batch.cancelled');
    expect(await h.worker.endings.sweep()).toEqual([]);
  });
});
