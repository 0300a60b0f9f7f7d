import { keyPrefix } from '@nightshift/core';
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { drillHarness } from '../support/drill-harness.ts';
import { stackKey, waitFor } from '../support/stack.ts';

// An API killed -9 while a file streams in: the half file must leave nothing behind once the
// upload's short-lived keys lapse (2 s here, NIGHTSHIFT_OPENAI_UPLOAD_PENDING_TTL_S).
const pendingTtlS = 2;
const drill = drillHarness({
  tokenLatencyMs: 1,
  env: {
    NIGHTSHIFT_OPENAI_FILE_MAX_BYTES: String(40 * 1024 * 1024),
    NIGHTSHIFT_OPENAI_UPLOAD_PENDING_TTL_S: String(pendingTtlS),
  },
});

const boundary = 'nightshift-drill-boundary';
const line = `${JSON.stringify({
  custom_id: 'x',
  method: 'POST',
  url: '/v1/embeddings',
  body: { model: 'qwen2:7b', input: 'y'.repeat(900) },
})}\n`;

/**
 * A `files.create` body as the openai client sends it, streamed: ~20 MB of JSONL in 256 KiB
 * pieces, paced so that the API is surely mid-file when the drill kills it.
 */
function slowMultipart(totalBytes: number, sent: { bytes: number }) {
  const piece = Buffer.from(line.repeat(Math.ceil((256 * 1024) / line.length)));
  const encoder = new TextEncoder();
  let state: 'head' | 'file' | 'tail' | 'done' = 'head';
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (state === 'head') {
        controller.enqueue(
          encoder.encode(
            `--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n` +
              `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.jsonl"\r\n` +
              'Content-Type: application/jsonl\r\n\r\n',
          ),
        );
        state = 'file';
        return;
      }
      if (state === 'file') {
        await new Promise((r) => setTimeout(r, 20));
        controller.enqueue(new Uint8Array(piece));
        sent.bytes += piece.length;
        if (sent.bytes >= totalBytes) state = 'tail';
        return;
      }
      if (state === 'tail') {
        controller.enqueue(encoder.encode(`\r\n--${boundary}--\r\n`));
        state = 'done';
        return;
      }
      controller.close();
    },
  });
}

const usedMemory = async (redis: Redis) =>
  Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);

async function fileKeys(redis: Redis) {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(
      cursor,
      'MATCH',
      `${keyPrefix}:oai-file*`,
      'COUNT',
      1000,
    );
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

describe('API killed mid-upload', () => {
  it('kill -9 while a 20 MB files.create streams in: no chunk stays, memory comes back', async () => {
    const s = await drill.boot(['api']);
    const redis = new Redis(drill.redis.url);
    try {
      const baseline = await usedMemory(redis);
      const sent = { bytes: 0 };
      const upload = fetch(`${s.base}/openai/v1/files`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${stackKey}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
        },
        body: slowMultipart(20 * 1024 * 1024, sent),
        duplex: 'half',
      } as RequestInit).catch((error: unknown) => error);
      // Mid-stream: several chunks are in Redis and the body is far from all sent.
      await waitFor(async () => (await fileKeys(redis)).length >= 5, 30_000, 'chunks stored');
      expect(sent.bytes).toBeLessThan(20 * 1024 * 1024);
      await s.service('api').kill();
      expect(await upload).toBeInstanceOf(Error);
      const stranded = await fileKeys(redis);
      expect(stranded.length).toBeGreaterThanOrEqual(5);

      // Within the pending bound (plus Redis's active expiry, which samples ~10 times a second),
      // every key of the half file is gone and the memory is back.
      const gone = await waitFor(
        async () => (await fileKeys(redis)).length === 0,
        pendingTtlS * 1000 + 5_000,
        'no oai-file keys',
      ).catch(() => false);
      expect(gone ? [] : await fileKeys(redis)).toEqual([]);
      expect(await usedMemory(redis)).toBeLessThan(baseline + 1024 * 1024);

      // The API back up: the half file was never a file.
      await s.start('api');
      const client = new OpenAI({
        baseURL: `${s.base}/openai/v1`,
        apiKey: stackKey,
        maxRetries: 0,
      });
      expect((await client.files.list()).data).toEqual([]);
      // Nor does it hold any of the tenant's storage quota.
      const usage = await fetch(
        `${s.base}/v1/usage?from=${new Date().toISOString().slice(0, 10)}`,
        {
          headers: { authorization: `Bearer ${stackKey}` },
        },
      );
      expect(((await usage.json()) as { storage: unknown }).storage).toMatchObject({
        bytes: 0,
        files: 0,
      });
    } finally {
      redis.disconnect();
    }
  });
});
