import Anthropic, { type APIError } from '@anthropic-ai/sdk';
import { keyPrefix } from '@nightshift/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayUnderTest } from '../../test-support/gateway-under-test.ts';

// Message Batches at the API, with no worker: what create refuses outright, what it ends at
// once (`errored` requests are never queued), the storage quota and submission bucket they
// share with the other batch surfaces, cancel, and one tenant never seeing another's.

type Api = Awaited<ReturnType<typeof gatewayUnderTest>>;
const upstream = { OLLAMA_HOST: 'http://127.0.0.1:9', NIGHTSHIFT_PROVIDER: 'ollama' };
const clientOf = (api: Api, apiKey = 'acme-key') =>
  new Anthropic({ baseURL: `${api.url}/anthropic`, apiKey, maxRetries: 0 });
const params = (text: string, extra: Record<string, unknown> = {}) => ({
  model: 'qwen2:7b',
  max_tokens: 8,
  messages: [{ role: 'user' as const, content: text }],
  ...extra,
});
const request = (id: string, extra: Record<string, unknown> = {}) => ({
  custom_id: id,
  params: params(`say ${id}`, extra),
});
/** A value nested `depth` arrays deep. */
const nested = (depth: number): unknown => {
  let value: unknown = 'x';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};
const refusal = (promise: Promise<unknown>) => promise.catch((error: unknown) => error);
const storedKeys = async (api: Api) => ({
  batches: (await api.client.keys(`${keyPrefix}:anth-batch:*`)).length,
  files: (await api.client.keys(`${keyPrefix}:oai-file:*`)).length,
});

describe('Message Batches at /anthropic/v1/messages/batches', () => {
  let api: Api;
  beforeAll(async () => {
    api = await gatewayUnderTest({
      ...upstream,
      NIGHTSHIFT_OPENAI_FILE_MAX_BYTES: '60000',
      NIGHTSHIFT_OPENAI_STORAGE_MAX_BYTES: '40000',
    });
  });
  afterAll(() => api?.close());

  it.each([
    ['a duplicate custom_id', [request('a'), request('a')], /requests\.1\.custom_id/],
    ['a custom_id out of pattern', [request('a b')], /custom_id/],
    [
      'two models',
      [request('a'), { custom_id: 'b', params: params('x', { model: 'qwen3:32b' }) }],
      /one model/,
    ],
    ['a request that streams', [request('a', { stream: true })], /cannot stream/],
    [
      'params without a model',
      [{ custom_id: 'a', params: { max_tokens: 8, messages: [] } }],
      /params\.model/,
    ],
    [
      'a request nested past the limit',
      [request('a', { metadata: { deep: nested(70) } })],
      /nests deeper/,
    ],
    ['no requests', [], /requests/],
  ])('refuses %s with 400 invalid_request_error, storing nothing', async (_, requests, message) => {
    const before = await storedKeys(api);
    const error = await refusal(
      clientOf(api).messages.batches.create({ requests } as Anthropic.Messages.BatchCreateParams),
    );
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as APIError).error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringMatching(message) },
    });
    expect(await storedKeys(api)).toEqual(before);
  });

  it('refuses a body past the size limit with 413 request_too_large', async () => {
    const big = Array.from({ length: 30 }, (_, i) =>
      request(`r${i}`, { system: 'x'.repeat(3000) }),
    );
    const error = await refusal(clientOf(api).messages.batches.create({ requests: big }));
    expect(error).toMatchObject({ status: 413, error: { error: { type: 'request_too_large' } } });
  });

  it('refuses a webhook aimed at a private address', async () => {
    const error = await refusal(
      clientOf(api).messages.batches.create({
        requests: [request('a')],
        webhook: { url: 'http://10.0.0.1/hook' },
      } as Anthropic.Messages.BatchCreateParams),
    );
    expect(error).toMatchObject({
      status: 400,
      error: { error: { type: 'invalid_request_error' } },
    });
    expect(((error as APIError).error as { error: { message: string } }).error.message).toMatch(
      /^webhook\.url: /,
    );
  });

  it('ends at once, never queued, the requests whose params fail the Messages schema or the media policy', async () => {
    const client = clientOf(api);
    const created = await client.messages.batches.create({
      requests: [
        {
          custom_id: 'no-max',
          params: { model: 'qwen2:7b', messages: [{ role: 'user', content: 'x' }] } as never,
        },
        {
          custom_id: 'url-image',
          params: params('x', {
            messages: [
              {
                role: 'user',
                content: [
                  {
                    type: 'image',
                    source: { type: 'url', url: 'http://169.254.169.254/latest/meta-data' },
                  },
                ],
              },
            ],
          }),
        },
      ],
    });
    expect(created).toMatchObject({
      type: 'message_batch',
      processing_status: 'ended',
      request_counts: { processing: 0, succeeded: 0, errored: 2, canceled: 0, expired: 0 },
      results_url: `${api.url}/anthropic/v1/messages/batches/${created.id}/results`,
    });
    expect(created.id).toMatch(/^msgbatch_[0-9a-z]{26}$/);
    expect(Date.parse(created.ended_at as string)).toBeGreaterThan(0);
    const results = [];
    for await (const line of await client.messages.batches.results(created.id)) results.push(line);
    expect(results.map((r) => [r.custom_id, r.result.type])).toEqual([
      ['no-max', 'errored'],
      ['url-image', 'errored'],
    ]);
    const [noMax, urlImage] = results.map(
      (r) => r.result as Anthropic.Messages.MessageBatchErroredResult,
    );
    expect(noMax?.error).toMatchObject({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message: expect.stringMatching(/^params\.max_tokens: /),
      },
    });
    expect(urlImage?.error.error.type).toBe('invalid_request_error');
    // Nothing was stored for requests that cannot run.
    expect((await api.client.keys(`${keyPrefix}:oai-file:*`)).length).toBe(0);
  });

  it('counts the stored requests in the storage quota, and refuses past it with 413', async () => {
    const client = clientOf(api);
    const some = Array.from({ length: 8 }, (_, i) =>
      request(`q${i}`, { system: 'y'.repeat(2500) }),
    );
    const first = await client.messages.batches.create({ requests: some });
    expect(first.processing_status).toBe('in_progress');
    const error = await refusal(client.messages.batches.create({ requests: some }));
    expect(error).toMatchObject({ status: 413, error: { error: { type: 'request_too_large' } } });
    expect(((error as APIError).error as { error: { message: string } }).error.message).toMatch(
      /storage quota/,
    );
    // Cancelled (no worker runs it): the batch ends, its requests file goes, the room comes back.
    const cancelled = await client.messages.batches.cancel(first.id);
    expect(['canceling', 'ended']).toContain(cancelled.processing_status);
    const ended = await client.messages.batches.retrieve(first.id);
    expect(ended).toMatchObject({
      processing_status: 'ended',
      request_counts: { processing: 0, canceled: 8 },
    });
    expect(Date.parse(ended.cancel_initiated_at as string)).toBeGreaterThan(0);
    const again = await client.messages.batches.create({ requests: some });
    await client.messages.batches.cancel(again.id);
    const lines = [];
    for await (const line of await client.messages.batches.results(first.id)) lines.push(line);
    expect(lines).toHaveLength(8);
    expect(new Set(lines.map((l) => l.result.type))).toEqual(new Set(['canceled']));
  });

  it('answers results and delete of a batch still processing with 400, and deletes an ended one', async () => {
    const client = clientOf(api);
    const open = await client.messages.batches.create({ requests: [request('a')] });
    const res = await fetch(`${api.url}/anthropic/v1/messages/batches/${open.id}/results`, {
      headers: { 'x-api-key': 'acme-key' },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error' },
    });
    await expect(client.messages.batches.delete(open.id)).rejects.toBeInstanceOf(
      Anthropic.BadRequestError,
    );
    await client.messages.batches.cancel(open.id);
    expect(await client.messages.batches.delete(open.id)).toEqual({
      id: open.id,
      type: 'message_batch_deleted',
    });
    await expect(client.messages.batches.retrieve(open.id)).rejects.toBeInstanceOf(
      Anthropic.NotFoundError,
    );
  });

  it("lists a tenant's batches newest first, paging with after_id and before_id", async () => {
    const client = clientOf(api, 'globex-key');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const batch = await client.messages.batches.create({
        requests: [request(`l${i}`, { max_tokens: 0 })],
      });
      ids.unshift(batch.id); // newest first
    }
    const page = await client.messages.batches.list({ limit: 2 });
    expect(page.data.map((b) => b.id)).toEqual(ids.slice(0, 2));
    expect(page).toMatchObject({ has_more: true, first_id: ids[0], last_id: ids[1] });
    const all: string[] = [];
    for await (const batch of client.messages.batches.list({ limit: 2 })) all.push(batch.id);
    expect(all).toEqual(ids);
    const before = await client.messages.batches.list({ limit: 2, before_id: ids[4] });
    expect(before.data.map((b) => b.id)).toEqual([ids[2], ids[3]]);
    expect(before.has_more).toBe(true);
  });

  it("never shows one tenant another's batch: 404 not_found_error everywhere", async () => {
    const acme = clientOf(api);
    const globex = clientOf(api, 'globex-key');
    const batch = await acme.messages.batches.create({
      requests: [request('mine', { max_tokens: 0 })],
    });
    for (const call of [
      () => globex.messages.batches.retrieve(batch.id),
      () => globex.messages.batches.cancel(batch.id),
      () => globex.messages.batches.delete(batch.id),
      () => globex.messages.batches.results(batch.id),
    ]) {
      const error = await refusal(call());
      expect(error).toBeInstanceOf(Anthropic.NotFoundError);
      expect((error as APIError).error).toMatchObject({
        type: 'error',
        error: { type: 'not_found_error' },
      });
    }
    const listed = (await globex.messages.batches.list({ limit: 100 })).data.map((b) => b.id);
    expect(listed).not.toContain(batch.id);
    // The native id under another name is no way in either.
    const res = await fetch(
      `${api.url}/anthropic/v1/messages/batches/${batch.id.replace('msgbatch_', 'batch_')}`,
      {
        headers: { 'x-api-key': 'acme-key' },
      },
    );
    expect(res.status).toBe(404);
    expect((await acme.messages.batches.retrieve(batch.id)).id).toBe(batch.id);
  });
});

describe('the batch submission bucket', () => {
  let api: Api;
  beforeAll(async () => {
    api = await gatewayUnderTest({
      ...upstream,
      NIGHTSHIFT_BATCH_RATE_PER_MIN: '1',
      NIGHTSHIFT_BATCH_BURST: '1',
    });
  });
  afterAll(() => api?.close());

  it('is one per tenant across POST /v1/batches and Message Batches, refusing in Anthropic shape', async () => {
    const native = await api.postJson('/v1/batches', { documents: [{ text: 'one document' }] });
    expect(native.status).toBe(202);
    const error = await refusal(
      clientOf(api).messages.batches.create({ requests: [request('a')] }),
    );
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect((error as APIError).error).toMatchObject({
      type: 'error',
      error: { type: 'rate_limit_error' },
    });
    expect((error as APIError).headers?.get('retry-after')).toMatch(/^\d+$/);
  });
});
