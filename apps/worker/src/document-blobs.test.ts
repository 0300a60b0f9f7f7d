import { DocumentBlobs } from '@nightshift/batches';
import type { DocumentContent } from '@nightshift/core';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { corruptPdf, sampleTexts, textPdf } from '@nightshift/testkit/sample-documents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until, workerUnderTest } from '../test-support/worker-under-test.ts';

let redis: RedisHarness;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

describe('documents uploaded as Redis blobs', () => {
  it('summarizes text and PDF blobs, then deletes each blob once its document ended', async () => {
    const harness = await workerUnderTest(redis, {});
    try {
      const blobs = new DocumentBlobs({ redis: harness.client, ttlMs: 60_000 });
      const files: { type: 'pdf' | 'text'; bytes: Uint8Array }[] = [
        { type: 'text', bytes: new TextEncoder().encode(`\uFEFF${sampleTexts.meetingNotes}`) },
        { type: 'pdf', bytes: await textPdf(['The quarterly report shows growth in exports.']) },
        { type: 'pdf', bytes: corruptPdf() },
      ];
      const contents: DocumentContent[] = [];
      for (const file of files) {
        const key = blobs.newKey();
        // Two appends: the worker reads the whole blob, however it was written.
        const half = Math.floor(file.bytes.length / 2);
        await blobs.append(key, file.bytes.subarray(0, half));
        await blobs.append(key, file.bytes.subarray(half));
        expect(await harness.client.ttl(key)).toBeGreaterThan(0);
        contents.push({ kind: 'blob', key, type: file.type, bytes: file.bytes.length });
      }
      const missing = blobs.newKey(); // expired before its document ran
      contents.push({ kind: 'blob', key: missing, type: 'text', bytes: 10 });

      const batch = await harness.submitContents(contents);
      await until(
        async () => {
          const { counts } = await harness.batch(batch.id);
          return counts.succeeded + counts.failed === 4;
        },
        15_000,
        'batch done',
      );
      const counts = (await harness.batch(batch.id)).counts;
      expect(counts).toMatchObject({ succeeded: 2, failed: 2 });
      const results = [];
      for await (const result of harness.store.results(batch.id)) results.push(result);
      expect(results.map((r) => [r.status, r.error?.code ?? null])).toEqual([
        ['succeeded', null],
        ['succeeded', null],
        ['failed', 'pdf_corrupt'],
        ['failed', 'empty'],
      ]);
      expect(await harness.client.keys('{nightshift}:blob:*')).toEqual([]);
    } finally {
      await harness.close();
    }
  });
});
