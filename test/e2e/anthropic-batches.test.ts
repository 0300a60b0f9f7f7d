import Anthropic from '@anthropic-ai/sdk';
import { BatchSubmitter } from '@nightshift/batches';
import { AnthropicBatches, OpenAiFileStore } from '@nightshift/openai-batches';
import { until } from '@nightshift/testkit/until';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAiBatchStack } from '../support/openai-batch-stack.ts';

// Anthropic batch scripts with a base URL change: the official client's
// `messages.batches.create/retrieve/list/cancel/results` against the real API, a real worker
// draining the cold lane into the stand-in, and a real notifier signing the webhook.

let stack: Awaited<ReturnType<typeof startOpenAiBatchStack>>;
let client: Anthropic;
beforeAll(async () => {
  stack = await startOpenAiBatchStack({
    NIGHTSHIFT_NUM_CTX: '8192',
    NIGHTSHIFT_OPENAI_BATCH_MAX_RESPONSE_BYTES: '4096',
  });
  client = new Anthropic({
    baseURL: `${stack.api.url}/anthropic`,
    apiKey: 'acme-key',
    maxRetries: 0,
  });
});
afterAll(() => stack?.close());

const request = (id: string, text: string, extra: Record<string, unknown> = {}) => ({
  custom_id: id,
  params: {
    model: 'qwen2:7b',
    max_tokens: 8,
    messages: [{ role: 'user' as const, content: text }],
    ...extra,
  },
});

/** Retrieves the batch until its processing has ended. */
async function ended(id: string) {
  let batch = await client.messages.batches.retrieve(id);
  await until(
    async () => {
      batch = await client.messages.batches.retrieve(id);
      return batch.processing_status === 'ended';
    },
    20_000,
    `message batch ${id} ended`,
  );
  return batch;
}

/** The results, parsed by the client, by custom_id. */
async function resultsOf(id: string) {
  const lines = new Map<string, Anthropic.Messages.MessageBatchResult>();
  for await (const line of await client.messages.batches.results(id))
    lines.set(line.custom_id, line.result);
  return lines;
}

describe('Anthropic Message Batches on the cold lane', () => {
  it('runs the requests into succeeded and errored results, and signs batch.completed', async () => {
    const created = await client.messages.batches.create({
      requests: [
        request('first', 'alpha beta gamma delta'),
        request('second', 'one two three', { system: 'be brief', temperature: 0.2 }),
        request('bad-params', 'x', { max_tokens: -1 }),
        request('too-long', 'word '.repeat(9_000)),
      ],
      webhook: { url: stack.receiver.url }, // an extension: Anthropic has no webhook per batch
    } as Anthropic.Messages.BatchCreateParams);
    expect(created).toMatchObject({
      type: 'message_batch',
      processing_status: 'in_progress',
      results_url: null,
      archived_at: null,
    });
    expect(created.request_counts.processing + created.request_counts.errored).toBe(4);

    const batch = await ended(created.id);
    expect(batch.request_counts).toEqual({
      processing: 0,
      succeeded: 2,
      errored: 2,
      canceled: 0,
      expired: 0,
    });
    expect(Date.parse(batch.ended_at as string)).toBeGreaterThanOrEqual(
      Date.parse(batch.created_at),
    );
    expect(Date.parse(batch.expires_at) - Date.parse(batch.created_at)).toBe(86_400_000);

    const results = await resultsOf(created.id);
    expect([...results.keys()]).toEqual(['first', 'second', 'bad-params', 'too-long']);
    const first = results.get('first') as Anthropic.Messages.MessageBatchSucceededResult;
    expect(first.type).toBe('succeeded');
    expect(first.message).toMatchObject({
      type: 'message',
      role: 'assistant',
      content: [{ type: 'text', text: 'alpha beta gamma delta' }],
      stop_reason: 'end_turn',
    });
    expect(first.message.usage.output_tokens).toBeGreaterThan(0);
    expect(results.get('second')?.type).toBe('succeeded');
    // Found by the API: never queued, never sent.
    expect(results.get('bad-params')).toMatchObject({
      type: 'errored',
      error: { type: 'error', error: { type: 'invalid_request_error' } },
    });
    // Found by the gateway when it ran: the prompt does not fit the model's context.
    expect(results.get('too-long')).toMatchObject({
      type: 'errored',
      error: { type: 'error', error: { type: 'invalid_request_error' } },
    });
    expect(
      stack.ollama.requests.some((r) => JSON.stringify(r.body ?? null).includes('be brief')),
    ).toBe(true);

    const deliveries = await stack.receiver.waitForDeliveries(1, 20_000);
    const delivery = deliveries.find(
      (d) =>
        (d.body as { data?: { id?: string } }).data?.id ===
        created.id.replace('msgbatch_', 'batch_'),
    );
    expect(delivery).toMatchObject({ verified: true, body: { type: 'batch.completed' } });
    // The stored requests went with the batch's end: nothing left in the tenant's files.
    const usage = await fetch(
      `${stack.api.url}/v1/usage?from=${new Date().toISOString().slice(0, 10)}`,
      {
        headers: { authorization: 'Bearer acme-key' },
      },
    ).then((r) => r.json() as Promise<{ storage?: { bytes: number; files: number } }>);
    expect(usage.storage).toMatchObject({ bytes: 0, files: 0 });
  });

  it('ends a batch for a model no server has as not_found_error results', async () => {
    const created = await client.messages.batches.create({
      requests: [request('ghost', 'hello', { model: 'no-such-model:1b' })],
    });
    await ended(created.id);
    expect((await resultsOf(created.id)).get('ghost')).toMatchObject({
      type: 'errored',
      error: { type: 'error', error: { type: 'not_found_error' } },
    });
  });

  it("keeps no answer past the per-request bound: that request ends errored, the others don't", async () => {
    const long = Array.from({ length: 200 }, (_, i) => `longword${i}xxxxxxxxxxxxxxxxxxxx`).join(
      ' ',
    );
    const created = await client.messages.batches.create({
      requests: [request('small', 'short answer'), request('large', long, { max_tokens: 300 })],
    });
    await ended(created.id);
    const results = await resultsOf(created.id);
    expect(results.get('small')?.type).toBe('succeeded');
    expect(results.get('large')).toMatchObject({
      type: 'errored',
      error: { error: { type: 'api_error', message: expect.stringMatching(/4096 bytes/) } },
    });
  });

  it('cancels: requests not yet run end canceled', async () => {
    stack.ollama.failNext({ kind: 'slow', delayMs: 1_500, model: 'qwen2:7b' });
    const created = await client.messages.batches.create({
      requests: Array.from({ length: 6 }, (_, i) => request(`c${i}`, 'slow one')),
    });
    const canceling = await client.messages.batches.cancel(created.id);
    expect(['canceling', 'ended']).toContain(canceling.processing_status);
    expect(Date.parse(canceling.cancel_initiated_at as string)).toBeGreaterThan(0);
    const batch = await ended(created.id);
    expect(batch.request_counts.canceled).toBeGreaterThan(0);
    const counts = Object.values(batch.request_counts).reduce((a, b) => a + b, 0);
    expect(counts).toBe(6);
    const types = [...(await resultsOf(created.id)).values()].map((r) => r.type);
    expect(types.filter((t) => t === 'canceled')).toHaveLength(batch.request_counts.canceled);
  });

  it('lists the tenant’s batches newest first; another tenant sees none of them', async () => {
    const ids: string[] = [];
    for await (const batch of client.messages.batches.list({ limit: 2 })) ids.push(batch.id);
    expect(ids.length).toBeGreaterThanOrEqual(4);
    expect([...ids].sort().reverse()).toEqual(ids);
    const globex = new Anthropic({
      baseURL: `${stack.api.url}/anthropic`,
      apiKey: 'globex-key',
      maxRetries: 0,
    });
    expect((await globex.messages.batches.list()).data).toEqual([]);
    await expect(globex.messages.batches.results(ids[0] as string)).rejects.toBeInstanceOf(
      Anthropic.NotFoundError,
    );
  });
});

describe('Anthropic Message Batches on a server that speaks Anthropic', () => {
  let native: Awaited<ReturnType<typeof startOpenAiBatchStack>>;
  beforeAll(async () => {
    native = await startOpenAiBatchStack((url) => ({
      NIGHTSHIFT_UPSTREAMS: JSON.stringify([
        { kind: 'ollama', url, dialects: ['anthropic'], contextTokens: 2048 },
      ]),
    }));
  });
  afterAll(() => native?.close());

  it("passes each request through to the server's /v1/messages, as written", async () => {
    const anthropic = new Anthropic({
      baseURL: `${native.api.url}/anthropic`,
      apiKey: 'acme-key',
      maxRetries: 0,
    });
    const created = await anthropic.messages.batches.create({
      requests: [request('native', 'passed through whole', { stop_sequences: ['zzz'] })],
    });
    await until(
      async () =>
        (await anthropic.messages.batches.retrieve(created.id)).processing_status === 'ended',
      20_000,
      'ended',
    );
    const lines: Anthropic.Messages.MessageBatchIndividualResponse[] = [];
    for await (const result of await anthropic.messages.batches.results(created.id))
      lines.push(result);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.result).toMatchObject({
      type: 'succeeded',
      message: { type: 'message', content: [{ type: 'text', text: 'passed through whole' }] },
    });
    const sent = native.ollama.requests.find((r) => r.path === '/v1/messages');
    expect(sent?.body).toMatchObject({ stop_sequences: ['zzz'], stream: false });
  });
});

describe('Anthropic Message Batches past their 24 hours', () => {
  let closed: Awaited<ReturnType<typeof startOpenAiBatchStack>>;
  beforeAll(async () => {
    closed = await startOpenAiBatchStack({ NIGHTSHIFT_COLD_WINDOWS: 'never' });
  });
  afterAll(() => closed?.close());

  it('expire what never ran: expired results, and the stored requests go', async () => {
    const { client: redis, store } = closed.api;
    const submitter = new BatchSubmitter({
      connection: redis,
      store,
      resultTtlMs: 60_000,
      attempts: 2,
    });
    const files = new OpenAiFileStore({ redis, ttlMs: 60_000 });
    const batches = new AnthropicBatches({
      redis,
      files,
      store,
      submitter,
      resultTtlMs: 60_000,
      maxRequests: 100,
    });
    // Created 25 hours ago, in a window that never opened.
    const native = await batches.create(
      'acme',
      { requests: [request('late-1', 'x'), request('late-2', 'y')] },
      new Date(Date.now() - 25 * 3_600_000),
    );
    await submitter.close();
    await closed.worker.worker.deadlines.check();
    const anthropic = new Anthropic({
      baseURL: `${closed.api.url}/anthropic`,
      apiKey: 'acme-key',
      maxRetries: 0,
    });
    const id = native.batch.id.replace('batch_', 'msgbatch_');
    const batch = await anthropic.messages.batches.retrieve(id);
    expect(batch).toMatchObject({
      processing_status: 'ended',
      request_counts: { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 2 },
    });
    const types = [];
    for await (const line of await anthropic.messages.batches.results(id)) types.push(line.result);
    expect(types).toEqual([{ type: 'expired' }, { type: 'expired' }]);
    expect((await files.storageUsage('acme')).bytes).toBe(0);
  });
});
