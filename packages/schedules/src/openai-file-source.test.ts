import { BatchSubmitter } from '@nightshift/batches';
import { OpenAiBatches, OpenAiFileStore } from '@nightshift/openai-batches';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { schedulesUnderTest } from '../test-support/schedules-under-test.ts';

let t: Awaited<ReturnType<typeof schedulesUnderTest>>;
let submitter: BatchSubmitter;
let files: OpenAiFileStore;
let openAiBatches: OpenAiBatches;

beforeAll(async () => {
  t = await schedulesUnderTest();
  submitter = new BatchSubmitter({
    connection: t.redis,
    store: t.batches,
    attempts: 1,
    resultTtlMs: 60_000,
  });
  files = new OpenAiFileStore({ redis: t.redis, ttlMs: 60_000 });
  openAiBatches = new OpenAiBatches({
    redis: t.redis,
    files,
    store: t.batches,
    submitter,
    resultTtlMs: 60_000,
    maxLines: 100,
  });
});
beforeEach(() => t.redis.flushall());
afterAll(async () => {
  await submitter.close();
  await t.close();
});

const slot = (day: number) => new Date(Date.UTC(2026, 0, day, 1, 0, 0));
async function* once(text: string) {
  yield Buffer.from(text);
}
const line = (customId: string) =>
  JSON.stringify({
    custom_id: customId,
    method: 'POST',
    url: '/v1/embeddings',
    body: { model: 'm', input: customId },
  });
const stored = async (text: string) =>
  (await files.write('acme', { filename: 'nightly.jsonl', purpose: 'batch' }, once(text))).file.id;
const schedule = (fileId: string) =>
  t.store.create('acme', {
    name: 'nightly embeddings',
    cron: '0 1 * * *',
    source: { kind: 'openai_file', fileId, endpoint: '/v1/embeddings' },
    batch: { completionWindow: '48h', metadata: { job: 'nightly' } },
  });

describe('a schedule with an openai_file source', () => {
  it('fires an OpenAI-compatible batch from the stored file, night after night', async () => {
    const s = await schedule(await stored([line('a'), line('b')].join('\n')));
    const firer = t.firer({ openAiBatches });
    const first = await firer.fire(s.id, slot(1));
    const second = await firer.fire(s.id, slot(2));
    expect(first).toMatchObject({ status: 'submitted', documents: 2, errors: [] });
    expect(second?.batchId).not.toBe(first?.batchId);
    const batch = await openAiBatches.get('acme', first?.batchId as string);
    expect(batch).toMatchObject({
      status: 'in_progress',
      endpoint: '/v1/embeddings',
      completion_window: '48h',
      metadata: { job: 'nightly' },
      request_counts: { total: 2 },
    });
    expect((await t.batches.getForTenant('acme', batch?.id as string))?.scheduleId).toBe(s.id);
  });

  it('records a failed run naming the bad lines, and one for a deleted file', async () => {
    const fileId = await stored([line('a'), line('a')].join('\n'));
    const s = await schedule(fileId);
    const run = await t.firer({ openAiBatches }).fire(s.id, slot(1));
    expect(run).toMatchObject({
      status: 'failed',
      errors: [{ code: 'duplicate_custom_id', message: expect.stringContaining('Line 2') }],
    });
    expect((await openAiBatches.get('acme', run?.batchId as string))?.status).toBe('failed');

    await files.delete('acme', fileId);
    const gone = await t.firer({ openAiBatches }).fire(s.id, slot(2));
    expect(gone).toMatchObject({ status: 'failed', errors: [{ code: 'file_not_found' }] });
  });
});
