import { keyPrefix, queueNames } from '@nightshift/core';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { sampleTexts } from '@nightshift/testkit/sample-documents';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { until, workerUnderTest } from './test-support.ts';

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
  it('expires what is unfinished at expiresAt and hands the batch to the finalizer', async () => {
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
    await until(
      async () => (await harness?.batch(batch.id))?.counts.expired === 2,
      5_000,
      'expired',
    );
    const parents = new Queue(queueNames.batches, {
      connection: harness.client,
      prefix: keyPrefix,
    });
    expect(await (await parents.getJob(batch.id))?.getState()).toBe('waiting');
    await parents.close();
    const final = await harness.store.finalize(batch.id);
    expect(final?.batch).toMatchObject({ status: 'expired', counts: { expired: 2, succeeded: 0 } });
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
