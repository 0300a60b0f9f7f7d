import { BatchStore, BatchSubmitter } from '@nightshift/batches';
import { createRedis } from '@nightshift/redis';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OpenAiBatches } from './openai-batches.ts';
import { OpenAiFileStore } from './openai-file-store.ts';

// No worker here: the requests stay queued, and what the native engine does to waiting work
// (expiry by the deadline sweep, cancel) decides what the error file says of them.
let redis: RedisHarness;
let client: Redis;
let store: BatchStore;
let submitter: BatchSubmitter;
let files: OpenAiFileStore;
let batches: OpenAiBatches;

beforeAll(async () => {
  redis = await startRedis();
  client = createRedis(redis.url, 'client');
  store = new BatchStore({ redis: client, resultTtlMs: 60_000 });
  submitter = new BatchSubmitter({ connection: client, store, attempts: 2, resultTtlMs: 60_000 });
  files = new OpenAiFileStore({ redis: client, ttlMs: 60_000 });
  batches = new OpenAiBatches({
    redis: client,
    files,
    store,
    submitter,
    resultTtlMs: 60_000,
    maxLines: 10,
  });
});
beforeEach(() => client.flushall());
afterAll(async () => {
  await submitter.close();
  client.disconnect();
  await redis.stop();
});

async function* once(text: string) {
  yield Buffer.from(text);
}
const inputFile = async (count: number) => {
  const lines = Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      custom_id: `r${i}`,
      method: 'POST',
      url: '/v1/embeddings',
      body: { model: 'm', input: `text ${i}` },
    }),
  );
  return (
    await files.write('acme', { filename: 'in.jsonl', purpose: 'batch' }, once(lines.join('\n')))
  ).file.id;
};
const create = async (count: number) =>
  batches.create('acme', {
    inputFileId: await inputFile(count),
    endpoint: '/v1/embeddings',
    completionWindow: '24h',
    metadata: null,
  });
const errorLines = async (fileId: string | null) => {
  let text = '';
  for await (const chunk of files.content(fileId as string)) text += chunk.toString();
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
};

describe('OpenAiBatches on the native engine', () => {
  it('expires waiting requests into the error file as batch_expired', async () => {
    const created = await create(3);
    expect(created).toMatchObject({ status: 'in_progress', request_counts: { total: 3 } });
    await submitter.expire(created.id); // what the worker's deadline sweep calls
    const batch = await batches.get('acme', created.id);
    expect(batch).toMatchObject({
      status: 'expired',
      output_file_id: null,
      request_counts: { total: 3, completed: 0, failed: 3 },
    });
    expect(batch?.expired_at).toBeGreaterThan(0);
    const lines = await errorLines(batch?.error_file_id ?? null);
    expect(lines.map((l) => [l.custom_id, l.response, l.error.code])).toEqual([
      ['r0', null, 'batch_expired'],
      ['r1', null, 'batch_expired'],
      ['r2', null, 'batch_expired'],
    ]);
    // Finalized once: reading again writes no second file.
    expect((await batches.get('acme', created.id))?.error_file_id).toBe(batch?.error_file_id);
    expect((await files.list('acme', { limit: 10, purpose: 'batch_output' })).data).toHaveLength(1);
  });

  it('cancels waiting requests, and hides a batch from other tenants', async () => {
    const created = await create(2);
    expect(await batches.cancel('globex', created.id)).toBeNull();
    expect(await batches.get('globex', created.id)).toBeNull();
    const cancelled = await batches.cancel('acme', created.id);
    expect(cancelled).toMatchObject({ status: 'cancelled', request_counts: { failed: 0 } });
    const lines = await errorLines(cancelled?.error_file_id ?? null);
    expect(lines.map((l) => l.error.code)).toEqual(['batch_cancelled', 'batch_cancelled']);
  });

  it('keeps the input file as long as the batch may read it', async () => {
    const inputFileId = await inputFile(2);
    await batches.create('acme', {
      inputFileId,
      endpoint: '/v1/embeddings',
      completionWindow: '30d',
      metadata: null,
    });
    const thirtyDaysS = 30 * 86_400;
    const file = await files.get(inputFileId);
    expect(file?.file.expires_at).toBeGreaterThan(Date.now() / 1000 + thirtyDaysS);
    const ttls = await Promise.all(
      (await client.keys(`*oai-file:${inputFileId}*`)).map((key) => client.ttl(key)),
    );
    expect(ttls.length).toBe(2); // the record and its one chunk
    for (const ttl of ttls) expect(ttl).toBeGreaterThan(thirtyDaysS);
  });

  it('fails a file past the line limit without queueing anything', async () => {
    const batch = await create(11);
    expect(batch.status).toBe('failed');
    expect(batch.errors?.data).toEqual([
      expect.objectContaining({ line: 11, code: 'too_many_requests' }),
    ]);
    expect(await store.get(batch.id)).toBeNull();
    expect((await batches.list('acme', { limit: 5 })).data.map((b) => b.id)).toEqual([batch.id]);
  });
});
