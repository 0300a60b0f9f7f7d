import { keyPrefix, queueNames } from '@nightshift/core';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { sampleTexts } from '@nightshift/testkit/sample-documents';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { until, workerUnderTest } from '../test-support/worker-under-test.ts';

let redis: RedisHarness;
let harness: Awaited<ReturnType<typeof workerUnderTest>> | undefined;
beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});
afterAll(async () => {
  await redis.stop();
});

describe('batch deadlines', () => {
  it('expires what is unfinished at expiresAt: the batch ends expired, and its parent job is settled', async () => {
    harness = await workerUnderTest(redis, { NIGHTSHIFT_COLD_WINDOWS: 'never' });
    const batch = await harness.submit(
      [sampleTexts.meetingNotes, sampleTexts.customerEmail],
      undefined,
      {
        completionWindow: '1m',
        now: new Date(Date.now() - 61_000),
      },
    );
    await harness.worker.deadlines.check();
    // Final in the same step that expired the last document: no other process involved.
    expect(await harness.batch(batch.id)).toMatchObject({
      status: 'expired',
      counts: { expired: 2, succeeded: 0 },
      completedAt: expect.any(String),
    });
    const parents = new Queue(queueNames.batches, {
      connection: harness.client,
      prefix: keyPrefix,
    });
    // The worker consumes the batch's BullMQ parent once its children are gone.
    await until(
      async () => (await (await parents.getJob(batch.id))?.getState()) === 'completed',
      5_000,
      'parent job settled',
    );
    expect((await parents.getJob(batch.id))?.returnvalue).toBe('expired');
    await parents.close();
  });

  it('runs cold work outside the window when the deadline would be missed at the current pace', async () => {
    harness = await workerUnderTest(redis, { NIGHTSHIFT_COLD_WINDOWS: 'never' });
    // 3 documents × 30 s assumed pace / 2 slots = 45 s of work, 30 s left: pressure.
    const batch = await harness.submit(
      [sampleTexts.meetingNotes, sampleTexts.customerEmail, sampleTexts.gpuIncident],
      undefined,
      { completionWindow: '1m', now: new Date(Date.now() - 30_000) },
    );
    await harness.worker.deadlines.check();
    expect(harness.worker.deadlines.underPressure()).toBe(true);
    await until(
      async () => (await harness?.batch(batch.id))?.counts.succeeded === 3,
      10_000,
      'done',
    );
  });

  it('keeps cold work waiting outside the window when the deadline is comfortable', async () => {
    harness = await workerUnderTest(redis, { NIGHTSHIFT_COLD_WINDOWS: 'never' });
    const batch = await harness.submit([sampleTexts.meetingNotes], undefined, {
      completionWindow: '24h',
    });
    await harness.worker.deadlines.check();
    expect(harness.worker.deadlines.underPressure()).toBe(false);
    await new Promise((r) => setTimeout(r, 600));
    expect((await harness.batch(batch.id)).counts.queued).toBe(1);
  });
});
