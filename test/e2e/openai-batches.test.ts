import { keyPrefix } from '@nightshift/core';
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatLine, jsonl, startOpenAiBatchStack } from '../support/openai-batch-stack.ts';

let stack: Awaited<ReturnType<typeof startOpenAiBatchStack>>;
beforeAll(async () => {
  stack = await startOpenAiBatchStack();
});
afterAll(() => stack?.close());

describe('batches', () => {
  it('runs chat lines on the cold lane into output and error files', async () => {
    const schema = {
      type: 'json_schema',
      json_schema: {
        name: 'fields',
        schema: { type: 'object', properties: { name: { type: 'string' } } },
      },
    };
    const file = await stack.uploaded(
      jsonl([
        chatLine('first', 'alpha beta gamma delta'),
        chatLine('second', 'extract the name', { response_format: schema }),
        chatLine('too-long', 'word '.repeat(2_000)),
      ]),
    );
    const created = await stack.client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      metadata: { team: 'search' },
    });
    expect(created).toMatchObject({
      object: 'batch',
      status: 'in_progress',
      input_file_id: file.id,
    });
    expect(created.request_counts).toEqual({ total: 3, completed: 0, failed: 0 });

    const batch = await stack.finished(created.id);
    expect(batch.status).toBe('completed');
    expect(batch.request_counts).toEqual({ total: 3, completed: 2, failed: 1 });
    expect(batch.metadata).toEqual({ team: 'search' });
    expect(batch.completed_at).toBeGreaterThanOrEqual(batch.created_at);

    const output = await stack.lines(batch.output_file_id as string);
    expect(output.map((l) => l.custom_id).sort()).toEqual(['first', 'second']);
    const first = output.find((l) => l.custom_id === 'first');
    expect(first).toMatchObject({ error: null, response: { status_code: 200 } });
    expect(first.id).toMatch(/^batch_req_/);
    expect(first.response.body.choices[0].message.content).toBe('alpha beta gamma delta');
    // The schema went to the upstream as the line wrote it.
    const sent = stack.ollama.requests.find((r) =>
      JSON.stringify(r.body ?? null).includes('extract the name'),
    );
    expect((sent?.body as { response_format?: unknown } | undefined)?.response_format).toEqual(
      schema,
    );

    const errors = await stack.lines(batch.error_file_id as string);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      custom_id: 'too-long',
      response: { status_code: 400, body: { error: { code: 'context_length_exceeded' } } },
    });
  });

  it('runs embeddings lines, and signs batch.completed to the webhook once the files exist', async () => {
    const file = await stack.uploaded(
      jsonl(
        ['alpha', 'beta gamma'].map((input, i) => ({
          custom_id: `e${i}`,
          method: 'POST',
          url: '/v1/embeddings',
          body: { model: 'qwen2:7b', input },
        })),
      ),
    );
    const created = await stack.client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/embeddings',
      completion_window: '24h',
      webhook: { url: stack.receiver.url }, // an extension: OpenAI has no webhook per batch
    } as OpenAI.Batches.BatchCreateParams);
    const [delivery] = await stack.receiver.waitForDeliveries(1, 20_000);
    expect(delivery).toMatchObject({
      verified: true,
      body: { type: 'batch.completed', data: { id: created.id } },
    });
    // Written by the step that ended the batch, before its event went out: no read needed.
    const written = await stack.api.client.hget(
      `${keyPrefix}:oai-batch:${created.id}`,
      'outputFileId',
    );
    expect(written).toMatch(/^file-/);
    const batch = await stack.client.batches.retrieve(created.id);
    expect(batch).toMatchObject({
      status: 'completed',
      error_file_id: null,
      output_file_id: written,
    });
    const output = await stack.lines(batch.output_file_id as string);
    expect(output).toHaveLength(2);
    for (const line of output)
      expect(line.response.body.data[0].embedding.length).toBeGreaterThan(0);
  });

  it('runs 24 lines that travel several to a cold job, each answered once, in order', async () => {
    // One cold slot: 24 lines make groups of 2 (NIGHTSHIFT_COLD_GROUP_MAX, see cold-groups.ts).
    const ids = Array.from({ length: 24 }, (_, i) => `g${String(i).padStart(2, '0')}`);
    const file = await stack.uploaded(
      jsonl(
        ids.map((id) => ({
          custom_id: id,
          method: 'POST',
          url: '/v1/embeddings',
          body: { model: 'qwen2:7b', input: `text ${id}` },
        })),
      ),
    );
    const before = stack.ollama.requests.filter((r) => r.path === '/v1/embeddings').length;
    const created = await stack.client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/embeddings',
      completion_window: '24h',
    });
    const batch = await stack.finished(created.id);
    expect(batch.request_counts).toEqual({ total: 24, completed: 24, failed: 0 });
    expect((await stack.lines(batch.output_file_id as string)).map((l) => l.custom_id)).toEqual(
      ids,
    );
    expect(stack.ollama.requests.filter((r) => r.path === '/v1/embeddings').length - before).toBe(
      24,
    );
  });

  it('runs legacy text completions lines', async () => {
    const file = await stack.uploaded(
      jsonl([
        {
          custom_id: 't1',
          method: 'POST',
          url: '/v1/completions',
          body: { model: 'qwen2:7b', prompt: 'once upon a time', max_tokens: 3 },
        },
      ]),
    );
    const created = await stack.client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/completions',
      completion_window: '24h',
    });
    const batch = await stack.finished(created.id);
    const [line] = await stack.lines(batch.output_file_id as string);
    expect(line).toMatchObject({
      custom_id: 't1',
      response: {
        status_code: 200,
        body: { object: 'text_completion', choices: [{ text: 'once upon a' }] },
      },
    });
    expect(stack.ollama.requests.some((r) => r.path === '/v1/completions')).toBe(true);
  });

  it('fails a malformed file, naming each bad line', async () => {
    const text = [
      JSON.stringify(chatLine('a', 'fine')),
      '{"custom_id": "b", "method": "POST"', // cut short
      JSON.stringify(chatLine('a', 'again')), // duplicate custom_id
      JSON.stringify({ ...chatLine('c', 'x'), url: '/v1/embeddings' }),
    ].join('\n');
    const file = await stack.uploaded(text);
    const batch = await stack.client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    expect(batch.status).toBe('failed');
    expect(batch.errors?.data?.map((e) => [e.line, e.code])).toEqual([
      [2, 'invalid_json_line'],
      [3, 'duplicate_custom_id'],
      [4, 'invalid_url'],
    ]);
    expect(batch.failed_at).toBeGreaterThan(0);
  });

  it('answers a missing input file and a bad window in OpenAI error shape', async () => {
    await expect(
      stack.client.batches.create({
        input_file_id: 'file-0000000000aaaaaaaaaaaaaaaa',
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
      }),
    ).rejects.toMatchObject({ status: 404, code: 'file_not_found' });
    const file = await stack.uploaded(jsonl([chatLine('a', 'x')]));
    await expect(
      stack.client.batches.create({
        input_file_id: file.id,
        endpoint: '/v1/chat/completions',
        completion_window: '1h' as '24h',
      }),
    ).rejects.toMatchObject({ status: 400, param: 'completion_window' });
  });

  it('cancels: waiting lines go to the error file as batch_cancelled', async () => {
    stack.ollama.failNext({ kind: 'slow', delayMs: 1_500, model: 'qwen2:7b' });
    const file = await stack.uploaded(
      jsonl(Array.from({ length: 6 }, (_, i) => chatLine(`c${i}`, 'slow one'))),
    );
    const created = await stack.client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '48h' as '24h', // longer windows are an extension
    });
    const cancelling = await stack.client.batches.cancel(created.id);
    expect(['cancelling', 'cancelled']).toContain(cancelling.status);
    const batch = await stack.finished(created.id);
    expect(batch.status).toBe('cancelled');
    expect(batch.cancelled_at).toBeGreaterThan(0);
    const errors = await stack.lines(batch.error_file_id as string);
    expect(errors.filter((l) => l.error?.code === 'batch_cancelled').length).toBeGreaterThan(0);
    expect(errors.length + (batch.request_counts?.completed ?? 0)).toBe(6);
  });

  it('lists batches newest first, page by page', async () => {
    const page = await stack.client.batches.list({ limit: 2 });
    expect(page.data).toHaveLength(2);
    expect(page.has_more).toBe(true);
    const ids: string[] = [];
    for await (const batch of stack.client.batches.list({ limit: 2 })) ids.push(batch.id);
    expect(ids.length).toBeGreaterThanOrEqual(4);
    expect([...ids].sort().reverse()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
