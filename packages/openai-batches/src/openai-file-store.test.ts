import { keyPrefix } from '@nightshift/core';
import { createRedis } from '@nightshift/redis';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FileTooLargeError } from './chunked-upload.ts';
import { OpenAiFileStore } from './openai-file-store.ts';

let redis: RedisHarness;
let client: Redis;
let files: OpenAiFileStore;

beforeAll(async () => {
  redis = await startRedis();
  client = createRedis(redis.url, 'client');
  // Chunks of 7 bytes: every line and most reads straddle a chunk boundary.
  files = new OpenAiFileStore({ redis: client, ttlMs: 60_000, chunkBytes: 7 });
});
beforeEach(() => client.flushall());
afterAll(async () => {
  client.disconnect();
  await redis.stop();
});

async function* pieces(text: string, size: number) {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}
const meta = { filename: 'in.jsonl', purpose: 'batch' as const };
const collect = async (chunks: AsyncIterable<Buffer>) => {
  const all: Buffer[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return Buffer.concat(all).toString();
};

describe('OpenAiFileStore', () => {
  it('stores a stream in chunks and gives back the same bytes, whole or by range', async () => {
    const text = '{"a":1}\n{"b":"ünïcode"}\nlast line without newline';
    const stored = await files.write('acme', meta, pieces(text, 5));
    expect(stored.file).toMatchObject({
      object: 'file',
      bytes: Buffer.byteLength(text),
      purpose: 'batch',
    });
    expect(stored.lines).toBe(3);
    expect(await collect(files.content(stored.file.id))).toBe(text);
    const bytes = Buffer.from(text);
    for (const [offset, length] of [
      [0, 7],
      [8, 16],
      [3, 30],
      [25, bytes.length - 25],
    ] as const)
      expect((await files.readRange(stored.file.id, offset, length))?.toString()).toBe(
        bytes.subarray(offset, offset + length).toString(),
      );
  });

  it('keeps nothing of a file past its limit', async () => {
    await expect(
      files.write('acme', meta, pieces('x'.repeat(100), 9), { maxBytes: 50 }),
    ).rejects.toBeInstanceOf(FileTooLargeError);
    expect(await client.keys(`${keyPrefix}:oai-file:*`)).toEqual([]);
    expect(await files.storageUsage('acme')).toEqual({ bytes: 0, files: 0 });
  });

  it("lists a tenant's files page by page, and deletes one with its chunks", async () => {
    const ids: string[] = [];
    for (const n of [1, 2, 3])
      ids.push((await files.write('acme', meta, pieces(`line ${n}\n`, 4))).file.id);
    await files.write('globex', meta, pieces('theirs\n', 4));
    const first = await files.list('acme', { limit: 2 });
    expect(first.data.map((f) => f.id)).toEqual([ids[2], ids[1]]);
    expect(first.hasMore).toBe(true);
    const rest = await files.list('acme', { limit: 2, after: ids[1] as string });
    expect(rest).toEqual({ data: [expect.objectContaining({ id: ids[0] })], hasMore: false });
    expect((await files.list('acme', { limit: 5, order: 'asc' })).data.map((f) => f.id)).toEqual(
      ids,
    );
    expect((await files.list('acme', { limit: 5, purpose: 'batch_output' })).data).toEqual([]);

    expect(await files.delete('globex', ids[0] as string)).toBe(false);
    expect(await files.delete('acme', ids[0] as string)).toBe(true);
    expect(await files.get(ids[0] as string)).toBeNull();
    expect(await client.keys(`${keyPrefix}:oai-file:${ids[0]}*`)).toEqual([]);
    expect((await files.list('acme', { limit: 5 })).data).toHaveLength(2);
  });

  it('keeps a file while any holder does; the last release gives the longest life asked for', async () => {
    const stored = await files.write('acme', meta, pieces('a line\n'.repeat(3), 5));
    const { id } = stored.file;
    const pttls = async () =>
      Promise.all(
        [`${keyPrefix}:oai-file:${id}`, `${keyPrefix}:oai-file:${id}:0`].map((k) => client.pttl(k)),
      );
    expect(await files.keep(id, 'sched_a')).toBe(true);
    expect(await files.keep(id, 'sched_b')).toBe(true);
    expect(await files.keep('file-nope', 'sched_a')).toBe(false);
    // A batch that reads the file for an hour, while it is kept.
    const batchEnd = Date.now() + 3_600_000;
    await files.retainUntil(id, batchEnd);
    expect((await files.get(id))?.file.expires_at).toBeNull();
    expect(await pttls()).toEqual([-1, -1]);
    await files.release(id, 'sched_a');
    expect(await pttls()).toEqual([-1, -1]);
    await files.release(id, 'sched_b');
    expect((await files.get(id))?.file.expires_at).toBe(Math.floor(batchEnd / 1000));
    for (const ttl of await pttls()) expect(ttl).toBeGreaterThan(3_500_000);
    expect(await files.storageUsage('acme')).toEqual({ bytes: 21, files: 1 });
    await files.delete('acme', id);
    expect(await files.storageUsage('acme')).toEqual({ bytes: 0, files: 0 });
  });

  it('gives the room of an expired file back to the quota', async () => {
    const short = new OpenAiFileStore({ redis: client, ttlMs: 300, chunkBytes: 7 });
    const quota = { maxBytes: 20, maxFiles: 5 };
    await short.write('acme', meta, pieces('x'.repeat(15), 4), { quota });
    await expect(
      short.write('acme', meta, pieces('y'.repeat(15), 4), { quota }),
    ).rejects.toMatchObject({ name: 'StorageQuotaError', limit: 'bytes' });
    await new Promise((r) => setTimeout(r, 400));
    await short.write('acme', meta, pieces('y'.repeat(15), 4), { quota });
    expect(await short.storageUsage('acme')).toEqual({ bytes: 15, files: 1 });
  });
});
