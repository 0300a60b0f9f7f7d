import {
  type OllamaStandIn,
  standInEmbedding,
  startOllamaStandIn,
} from '@nightshift/testkit/ollama-stand-in';
import { until } from '@nightshift/testkit/until';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { metricsAuth } from '../../test-support/api-under-test.ts';
import { gatewayUnderTest } from '../../test-support/gateway-under-test.ts';

let ollama: OllamaStandIn;
let api: Awaited<ReturnType<typeof gatewayUnderTest>>;
let client: OpenAI;
const user = (content: string) => [{ role: 'user' as const, content }];

beforeAll(async () => {
  ollama = await startOllamaStandIn({ tokenLatencyMs: 2 });
  api = await gatewayUnderTest({
    OLLAMA_HOST: ollama.url,
    NIGHTSHIFT_NUM_CTX: '512',
    // Bodies past ~157 KB are refused (1.4 × this + 64 KiB, as for /v1/summaries).
    NIGHTSHIFT_MAX_DOCUMENT_BYTES: '65536',
  });
  client = new OpenAI({ baseURL: api.openAiBaseUrl, apiKey: 'acme-key', maxRetries: 0 });
});
afterAll(async () => {
  await api?.close();
  await ollama?.close();
});
afterEach(() => ollama.reset());

describe('the openai client pointed at /openai/v1', () => {
  it('gets a whole chat completion from the upstream, with its usage', async () => {
    const completion = await client.chat.completions.create({
      model: 'qwen2:7b',
      messages: user('the quick brown fox jumps over the lazy dog'),
      max_tokens: 4,
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('qwen2:7b');
    expect(completion.choices[0]?.message.content).toBe('the quick brown fox');
    expect(completion.usage).toMatchObject({ completion_tokens: 4 });
    expect(ollama.requests.at(-1)).toMatchObject({
      path: '/v1/chat/completions',
      model: 'qwen2:7b',
    });
  });

  it('streams tokens as server-sent events, with a usage chunk only when asked', async () => {
    const pieces: string[] = [];
    let usageChunks = 0;
    const stream = await client.chat.completions.create({
      model: 'qwen2:7b',
      messages: user('one two three four five'),
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const chunk of stream) {
      pieces.push(chunk.choices[0]?.delta.content ?? '');
      if (chunk.usage) usageChunks++;
    }
    expect(pieces.join('')).toBe('one two three four five');
    expect(usageChunks).toBe(1);

    const quiet = await client.chat.completions.create({
      model: 'qwen2:7b',
      messages: user('six seven'),
      stream: true,
    });
    const chunks = [];
    for await (const chunk of quiet) chunks.push(chunk);
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('six seven');
  });

  it('embeds through the upstream, as floats or base64 as the client asks', async () => {
    const floats = await client.embeddings.create({
      model: 'qwen2:7b',
      input: ['alpha', 'beta gamma'],
      encoding_format: 'float',
    });
    expect(floats.data.map((d) => d.embedding)).toEqual([
      standInEmbedding('alpha'),
      standInEmbedding('beta gamma'),
    ]);
    // The client's default: base64 on the wire, decoded by the client.
    const decoded = await client.embeddings.create({ model: 'qwen2:7b', input: 'alpha' });
    expect(decoded.data[0]?.embedding).toEqual(standInEmbedding('alpha'));
    expect(ollama.requests.at(-1)).toMatchObject({ path: '/v1/embeddings' });
  });

  it('lists the upstream models and counts the calls in /v1/usage', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id).sort()).toEqual(['qwen2:7b', 'qwen3:32b']);
    await client.chat.completions.create({ model: 'qwen2:7b', messages: user('count me in') });
    await until(
      async () => {
        const res = await api.app.request(
          `/v1/usage?from=${new Date().toISOString().slice(0, 10)}`,
          {
            headers: api.auth(),
          },
        );
        const report = (await res.json()) as {
          totals: { requests: number; completionTokens: number };
        };
        return report.totals.requests >= 1 && report.totals.completionTokens > 0;
      },
      5_000,
      'gateway calls in the usage report',
    );
    const metrics = await until(
      async () => {
        const text = await (await api.app.request('/metrics', { headers: metricsAuth })).text();
        const counted =
          /nightshift_gateway_requests_total\{operation="openai.chat",model="qwen2:7b",outcome="ok"\} [1-9]/;
        return counted.test(text) &&
          text.includes('nightshift_gateway_time_to_first_token_seconds_count{model="qwen2:7b"}')
          ? text
          : undefined;
      },
      5_000,
      'gateway metrics',
    );
    expect(metrics).toMatch(
      /nightshift_tokens_total\{direction="out",model="qwen2:7b",tenant="acme"\} [1-9]/,
    );
  });
});

describe('errors in OpenAI’s shape', () => {
  it('answers a bad key 401, a malformed body 400 naming the field, an unknown model 404', async () => {
    const stranger = new OpenAI({ baseURL: api.openAiBaseUrl, apiKey: 'nope', maxRetries: 0 });
    await expect(stranger.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);

    const bad = await client.chat.completions
      .create({ model: 'qwen2:7b', messages: [] })
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect((bad as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('messages');

    const missing = await client.chat.completions
      .create({ model: 'gpt-9', messages: user('hi') })
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect((missing as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');

    const raw = await fetch(`${api.openAiBaseUrl}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer acme-key', 'content-type': 'application/json' },
      body: '{"model": ',
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  it('answers a body over the limit 413, bad embedding input 400, unknown models and URLs 404', async () => {
    const huge = await client.chat.completions
      .create({ model: 'qwen2:7b', messages: user('x'.repeat(300_000)) })
      .catch((e: unknown) => e);
    expect(huge).toBeInstanceOf(OpenAI.APIError);
    expect((huge as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
    expect((huge as InstanceType<typeof OpenAI.APIError>).code).toBe('request_too_large');
    // Sent without a length: counted as it streams, refused all the same.
    const chunked = await fetch(`${api.openAiBaseUrl}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer acme-key', 'content-type': 'application/json' },
      body: new Blob([
        `{"model":"qwen2:7b","messages":[{"role":"user","content":"${'y'.repeat(300_000)}"}]}`,
      ]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(await chunked.json()).toMatchObject({ error: { code: 'request_too_large' } });

    const badInput = await client.embeddings
      .create({ model: 'qwen2:7b', input: 5 as unknown as string })
      .catch((e: unknown) => e);
    expect(badInput).toBeInstanceOf(OpenAI.BadRequestError);
    expect((badInput as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('input');

    expect((await client.models.retrieve('qwen2:7b')).id).toBe('qwen2:7b');
    await expect(client.models.retrieve('gpt-9')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const nowhere = await fetch(`${api.openAiBaseUrl}/fine_tuning/jobs`, {
      headers: { authorization: 'Bearer acme-key' },
    });
    expect(nowhere.status).toBe(404);
    expect(await nowhere.json()).toMatchObject({ error: { code: 'unknown_url' } });
  });

  it('refuses a prompt beyond the context window with 400 naming the limit, before any upstream call', async () => {
    const before = ollama.requests.length;
    const long = await client.chat.completions
      .create({ model: 'qwen2:7b', messages: user('word '.repeat(3000)) })
      .catch((e: unknown) => e);
    expect(long).toBeInstanceOf(OpenAI.BadRequestError);
    expect((long as Error).message).toMatch(/maximum context length is 512 tokens/);
    expect((long as InstanceType<typeof OpenAI.BadRequestError>).code).toBe(
      'context_length_exceeded',
    );
    expect(ollama.requests.length).toBe(before);
  });
});

describe('fallback and disconnects', () => {
  it('answers from the fallback model when the main one runs out of memory, and says so', async () => {
    ollama.failNext({ kind: 'oom', model: 'qwen3:32b' });
    const response = await client.chat.completions
      .create({ model: 'qwen3:32b', messages: user('alpha beta gamma') })
      .withResponse();
    expect(response.data.model).toBe('qwen2:7b');
    expect(response.response.headers.get('x-nightshift-degraded')).toBe('true');
    expect(ollama.requests.map((r) => r.model)).toEqual(['qwen3:32b', 'qwen2:7b']);
  });

  it('stops the upstream call and frees its slot when the client goes away mid-stream', async () => {
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'qwen2:7b', messages: user('word '.repeat(100)), stream: true },
      { signal: controller.signal },
    );
    let pieces = 0;
    try {
      for await (const _ of stream) {
        pieces++;
        if (pieces === 2) controller.abort();
      }
    } catch {
      // The client may end the loop quietly or with an abort error; either way it went away.
    }
    expect(pieces).toBe(2);
    await until(() => ollama.queue().active === 0, 5_000, 'the stand-in slot freed');
    expect(ollama.requests.at(-1)?.finishedAt).toBeUndefined(); // cut short, not finished
  });
});
