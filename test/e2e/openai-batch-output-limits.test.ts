/**
 * What one OpenAI batch may make Nightshift store: lines that ask too much are input errors, an
 * answer past the per-line limit is an error line instead of a stored answer, and a finished
 * batch keeps its answers once (in its output file), not twice.
 */
import { keyPrefix } from '@nightshift/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatLine, jsonl, startOpenAiBatchStack } from '../support/openai-batch-stack.ts';

let stack: Awaited<ReturnType<typeof startOpenAiBatchStack>>;
beforeAll(async () => {
  stack = await startOpenAiBatchStack({
    NIGHTSHIFT_OPENAI_BATCH_MAX_RESPONSE_BYTES: '16384',
    NIGHTSHIFT_OPENAI_BATCH_MAX_OUTPUT_BYTES: '1000000',
    NIGHTSHIFT_OPENAI_FILE_MAX_BYTES: '4000000',
  });
});
afterAll(() => stack?.close());

const embedLine = (customId: string, input: string | string[]) => ({
  custom_id: customId,
  method: 'POST',
  url: '/v1/embeddings',
  body: { model: 'qwen2:7b', input },
});
const inputs = (n: number, tag = 'x') => Array.from({ length: n }, (_, i) => `${tag} ${i}`);

async function created(text: string, endpoint: '/v1/embeddings' | '/v1/chat/completions') {
  const file = await stack.uploaded(text);
  return stack.client.batches.create({
    input_file_id: file.id,
    endpoint,
    completion_window: '24h',
  });
}

describe('input lines that ask too much', () => {
  it('fails a batch whose embeddings line holds 2,049 inputs, naming the line, queueing nothing', async () => {
    const batch = await created(
      jsonl([embedLine('fine', inputs(2048)), embedLine('over', inputs(2049))]),
      '/v1/embeddings',
    );
    expect(batch.status).toBe('failed');
    expect(batch.errors?.data).toEqual([
      expect.objectContaining({ line: 2, code: 'too_many_inputs', param: 'body.input' }),
    ]);
    expect(stack.ollama.requests.some((r) => r.path.includes('embed'))).toBe(false);
  });

  it('fails a chat line asking for n = 9 choices', async () => {
    const batch = await created(
      jsonl([chatLine('a', 'one', { n: 8 }), chatLine('b', 'two', { n: 9 })]),
      '/v1/chat/completions',
    );
    expect(batch.status).toBe('failed');
    expect(batch.errors?.data).toEqual([
      expect.objectContaining({ line: 2, code: 'invalid_value', param: 'body.n' }),
    ]);
  });

  it('fails a batch whose lines hold more than 50,000 embedding inputs together', async () => {
    const lines = Array.from({ length: 25 }, (_, i) => embedLine(`l${i}`, inputs(2001, 'y')));
    const batch = await created(jsonl(lines), '/v1/embeddings');
    expect(batch.status).toBe('failed');
    expect(batch.errors?.data).toEqual([
      expect.objectContaining({ line: 25, code: 'too_many_inputs', param: 'body.input' }),
    ]);
  });
});

describe('what a running batch stores', () => {
  it('turns an answer past the per-line limit into a response_too_large error line; the others succeed', async () => {
    // 8-dimension vectors: 400 inputs answer ~60 KB of JSON, past the 16 KiB limit set above.
    const batch = await created(
      jsonl([embedLine('small', 'alpha'), embedLine('huge', inputs(400)), embedLine('tiny', 'b')]),
      '/v1/embeddings',
    );
    const done = await stack.finished(batch.id);
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({ total: 3, completed: 2, failed: 1 });
    const output = await stack.lines(done.output_file_id as string);
    expect(output.map((l) => l.custom_id)).toEqual(['small', 'tiny']);
    const errors = await stack.lines(done.error_file_id as string);
    expect(errors).toEqual([
      expect.objectContaining({
        custom_id: 'huge',
        response: null,
        error: {
          code: 'response_too_large',
          message: expect.stringMatching(/16384 bytes/),
        },
      }),
    ]);
  });

  it('stores no more than the batch bound: the lines past it end batch_output_too_large', async () => {
    // 100 lines of ~13 KB each against a bound of 1,000,000 bytes for the whole batch.
    const lines = Array.from({ length: 100 }, (_, i) => embedLine(`o${i}`, inputs(60, `o${i}`)));
    const done = await stack.finished((await created(jsonl(lines), '/v1/embeddings')).id);
    expect(done.status).toBe('completed');
    const { completed, failed } = done.request_counts ?? { completed: 0, failed: 0 };
    expect(completed).toBeGreaterThan(50);
    expect(failed).toBeGreaterThan(10);
    expect(completed + failed).toBe(100);
    const output = await stack.lines(done.output_file_id as string);
    const stored = output.reduce((n, l) => n + JSON.stringify(l.response.body).length, 0);
    expect(stored).toBeLessThanOrEqual(1_000_000);
    const errors = await stack.lines(done.error_file_id as string);
    expect(errors).toHaveLength(failed);
    for (const line of errors)
      expect(line).toMatchObject({ response: null, error: { code: 'batch_output_too_large' } });
  });

  it('keeps one copy of the answers once the output file is written', async () => {
    const redis = stack.api.client;
    const usedMemory = async () =>
      Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? Number.NaN);
    // What the keys hold (MEMORY USAGE, summed): unlike used_memory, no client buffers or
    // lazily freed values in it.
    const keyBytes = async (match = '*') => {
      let bytes = 0;
      for await (const keys of redis.scanStream({ match, count: 1000 }))
        for (const key of keys as string[])
          bytes += Number((await redis.memory('USAGE', key)) ?? 0);
      return bytes;
    };
    const [memoryBefore, keysBefore] = [await usedMemory(), await keyBytes()];
    // 60 lines of 60 inputs: ~13 KB of answer each (under the 16 KiB limit), ~760 KB in all.
    const lines = Array.from({ length: 60 }, (_, i) => embedLine(`m${i}`, inputs(60, `m${i}`)));
    const batch = await created(jsonl(lines), '/v1/embeddings');
    const done = await stack.finished(batch.id);
    expect(done.request_counts).toEqual({ total: 60, completed: 60, failed: 0 });
    const outputBytes = (await stack.client.files.retrieve(done.output_file_id as string)).bytes;
    expect(outputBytes).toBeGreaterThan(400_000);

    // The native per-request answers are gone; the output file is the one copy.
    expect(await redis.exists(`${keyPrefix}:batch:${batch.id}:results`)).toBe(0);
    const batchOwn = await keyBytes(`*${batch.id}*`);
    expect(batchOwn).toBeLessThan(outputBytes / 10);
    const grown = (await keyBytes()) - keysBefore;
    console.info(
      `one OpenAI batch, ${outputBytes} B of output: keys +${grown} B (the batch's own ${batchOwn} B), used_memory +${(await usedMemory()) - memoryBefore} B`,
    );
    // The output file, the input file and a few records; a second copy would double it.
    expect(grown).toBeLessThan(outputBytes * 1.3);
    expect(await stack.lines(done.output_file_id as string)).toHaveLength(60);
  });
});
