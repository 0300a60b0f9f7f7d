import Anthropic from '@anthropic-ai/sdk';
import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gatewayUnderTest } from '../../test-support/gateway-under-test.ts';

type Api = Awaited<ReturnType<typeof gatewayUnderTest>>;
let ollama: OllamaStandIn;
/** The stand-in behind an Ollama upstream: Messages translated to chat completions (`/v1`). */
let translating: Api;
/** The same stand-in as an upstream that speaks Anthropic: Messages passed through. */
let passing: Api;

const user = (content: Anthropic.MessageParam['content']) => [{ role: 'user' as const, content }];
const weather: Anthropic.Tool = {
  name: 'get_weather',
  description: 'The weather in a city',
  input_schema: { type: 'object', properties: { input: { type: 'string' } } },
};
const clientOf = (api: Api, auth: 'apiKey' | 'authToken' = 'apiKey') =>
  new Anthropic({ baseURL: `${api.url}/anthropic`, [auth]: 'acme-key', maxRetries: 0 });

/** Raw SSE of a streamed call, with the key as `x-api-key`: event names in order, and data. */
async function rawEvents(api: Api, body: object) {
  const res = await fetch(`${api.url}/anthropic/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': 'acme-key', 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, stream: true }),
  });
  const text = await res.text();
  const events = [...text.matchAll(/^event: (\S+)\ndata: (.*)$/gm)].map((m) => ({
    event: m[1] as string,
    data: JSON.parse(m[2] as string) as Record<string, unknown>,
  }));
  return { res, events };
}

/** Consecutive duplicates collapsed: the shape of a stream. */
const shape = (names: string[]) => names.filter((n, i) => n !== names[i - 1]);

beforeAll(async () => {
  ollama = await startOllamaStandIn({ tokenLatencyMs: 1 });
  translating = await gatewayUnderTest({ OLLAMA_HOST: ollama.url, NIGHTSHIFT_NUM_CTX: '512' });
  passing = await gatewayUnderTest({
    NIGHTSHIFT_UPSTREAMS: JSON.stringify([
      { kind: 'ollama', url: ollama.url, dialects: ['anthropic'], contextTokens: 512 },
    ]),
  });
});
afterAll(async () => {
  await translating?.close();
  await passing?.close();
  await ollama?.close();
});
afterEach(() => ollama.reset());

describe.each([
  ['translated to chat completions', () => translating, '/v1/chat/completions'],
  ['passed through to a server that speaks Anthropic', () => passing, '/v1/messages'],
] as const)('the Anthropic client at /anthropic, %s', (_, api, upstreamPath) => {
  it('gets a whole message (key as apiKey), with usage and stop reason', async () => {
    const message = await clientOf(api()).messages.create({
      model: 'qwen2:7b',
      max_tokens: 4,
      system: [{ type: 'text', text: 'Be brief.' }],
      messages: user('the quick brown fox jumps over the lazy dog'),
      stop_sequences: ['###'],
      temperature: 0.2,
      top_k: 5,
      metadata: { user_id: 'u-1' },
    } as Anthropic.MessageCreateParamsNonStreaming);
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'qwen2:7b',
      content: [{ type: 'text', text: 'the quick brown fox' }],
      stop_reason: 'max_tokens',
      usage: { output_tokens: 4 },
    });
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    const sent = ollama.requests.at(-1);
    expect(sent).toMatchObject({ path: upstreamPath, model: 'qwen2:7b' });
    if (upstreamPath === '/v1/chat/completions')
      expect(sent?.body).toMatchObject({
        messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user' }],
        max_tokens: 4,
        stop: ['###'],
        temperature: 0.2,
        top_k: 5,
        user: 'u-1',
      });
  });

  it('streams the named events in Anthropic order (key as authToken, then as x-api-key)', async () => {
    const stream = clientOf(api(), 'authToken').messages.stream({
      model: 'qwen2:7b',
      max_tokens: 64,
      messages: user('one two three four five'),
    });
    const final = await stream.finalMessage();
    expect(final.content).toEqual([expect.objectContaining({ text: 'one two three four five' })]);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage.output_tokens).toBe(5);

    const { res, events } = await rawEvents(api(), {
      model: 'qwen2:7b',
      max_tokens: 64,
      messages: user('six seven eight'),
    });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    expect(shape(events.map((e) => e.event))).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const deltas = events.filter((e) => e.event === 'content_block_delta');
    expect(deltas.map((e) => (e.data.delta as { text: string }).text).join('')).toBe(
      'six seven eight',
    );
    expect(events.find((e) => e.event === 'message_delta')?.data).toMatchObject({
      delta: { stop_reason: 'end_turn' },
      usage: { output_tokens: 3 },
    });
  });

  it('round-trips a tool call: tool_use, then tool_result, then the answer', async () => {
    const client = clientOf(api());
    const question = user('weather in Lisbon');
    const asked = await client.messages.create({
      model: 'qwen2:7b',
      max_tokens: 64,
      tools: [weather],
      tool_choice: { type: 'auto' },
      messages: question,
    });
    expect(asked.stop_reason).toBe('tool_use');
    const call = asked.content.find((b) => b.type === 'tool_use');
    expect(call).toMatchObject({ name: 'get_weather', input: { input: 'weather in Lisbon' } });

    // Streamed, the call's input arrives as input_json_delta pieces the client joins.
    const streamed = await client.messages
      .stream({ model: 'qwen2:7b', max_tokens: 64, tools: [weather], messages: question })
      .finalMessage();
    expect(streamed.content.find((b) => b.type === 'tool_use')).toMatchObject({
      input: { input: 'weather in Lisbon' },
    });

    const answered = await client.messages.create({
      model: 'qwen2:7b',
      max_tokens: 64,
      tools: [weather],
      messages: [
        ...question,
        { role: 'assistant', content: asked.content },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: (call as { id: string }).id, content: 'sunny 21C' },
          ],
        },
      ],
    });
    expect(answered.stop_reason).toBe('end_turn');
    expect(answered.content).toEqual([expect.objectContaining({ text: 'sunny 21C' })]);
    if (upstreamPath === '/v1/chat/completions')
      expect(ollama.requests.at(-1)?.body).toMatchObject({
        messages: [
          { role: 'user' },
          { role: 'assistant', tool_calls: [{ function: { name: 'get_weather' } }] },
          { role: 'tool', tool_call_id: (call as { id: string }).id, content: 'sunny 21C' },
        ],
        tools: [{ type: 'function', function: { name: 'get_weather' } }],
      });
  });

  it('sends base64 images on, and counts tokens', async () => {
    const pixel =
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
    const message = await clientOf(api()).messages.create({
      model: 'qwen2:7b',
      max_tokens: 8,
      messages: user([
        { type: 'text', text: 'describe this' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: pixel } },
      ]),
    });
    expect(message.content).toEqual([expect.objectContaining({ text: 'describe this' })]);
    const counted = await clientOf(api()).messages.countTokens({
      model: 'qwen2:7b',
      messages: user('a few words to count here'),
    });
    expect(counted.input_tokens).toBeGreaterThan(0);
  });
});

describe('models and errors at /anthropic', () => {
  it('lists model names in Anthropic’s page shape, and retrieves one', async () => {
    const page = await clientOf(translating).models.list({ limit: 1 });
    expect(page.data).toEqual([expect.objectContaining({ type: 'model', id: 'qwen2:7b' })]);
    expect(page).toMatchObject({ has_more: true, first_id: 'qwen2:7b', last_id: 'qwen2:7b' });
    const all = [];
    for await (const model of clientOf(translating).models.list({ limit: 1 })) all.push(model.id);
    expect(all).toEqual(['qwen2:7b', 'qwen3:32b']);
    expect(JSON.stringify(page.data)).not.toMatch(/127\.0\.0\.1|11434|ollama@/);
    await expect(clientOf(translating).models.retrieve('qwen3:32b')).resolves.toMatchObject({
      id: 'qwen3:32b',
    });
    await expect(clientOf(translating).models.retrieve('gpt-9')).rejects.toMatchObject({
      status: 404,
      type: 'not_found_error',
    });
  });

  it('answers a wrong key 401 authentication_error, and a missing one too', async () => {
    const wrong = new Anthropic({ baseURL: `${translating.url}/anthropic`, apiKey: 'nope' });
    await expect(wrong.models.list()).rejects.toMatchObject({
      status: 401,
      type: 'authentication_error',
    });
    const bare = await fetch(`${translating.url}/anthropic/v1/models`);
    expect(bare.status).toBe(401);
    expect(await bare.json()).toMatchObject({
      type: 'error',
      error: { type: 'authentication_error' },
    });
  });

  it('refuses bad bodies 400 invalid_request_error, naming the field', async () => {
    const post = (body: object) =>
      fetch(`${translating.url}/anthropic/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': 'acme-key', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const noMax = await post({ model: 'qwen2:7b', messages: user('hi') });
    expect(noMax.status).toBe(400);
    expect(await noMax.json()).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringMatching(/^max_tokens/) },
    });
    const byUrl = await post({
      model: 'qwen2:7b',
      max_tokens: 8,
      messages: user([
        { type: 'image', source: { type: 'url', url: 'http://169.254.169.254/latest' } },
      ]),
    });
    expect(byUrl.status).toBe(400);
    expect(await byUrl.json()).toMatchObject({ error: { message: /only base64 image sources/ } });
    const tooLong = await post({ model: 'qwen2:7b', max_tokens: 100_000, messages: user('hi') });
    expect(tooLong.status).toBe(400);
    expect(await tooLong.json()).toMatchObject({
      error: { type: 'invalid_request_error', message: /max_tokens asks for 100000/ },
    });
    expect(ollama.requests).toHaveLength(0);
  });

  it('answers an unknown model 404 not_found_error', async () => {
    await expect(
      clientOf(translating).messages.create({
        model: 'gpt-9',
        max_tokens: 8,
        messages: user('hi'),
      }),
    ).rejects.toMatchObject({ status: 404, type: 'not_found_error' });
  });

  it('sends a failure after the stream started as an error event', async () => {
    ollama.failNext({ kind: 'stream_error', model: 'qwen2:7b' });
    const { events } = await rawEvents(translating, {
      model: 'qwen2:7b',
      max_tokens: 64,
      messages: user('one two three'),
    });
    expect(events.at(-1)).toMatchObject({
      event: 'error',
      data: { type: 'error', error: { type: 'api_error' } },
    });
    expect(JSON.stringify(events.at(-1))).not.toMatch(/127\.0\.0\.1/);
  });
});

describe('overload and rate limits at /anthropic', () => {
  it('answers 529 overloaded_error when no server can take the call, and 429 past the rate', async () => {
    const down = await gatewayUnderTest({
      NIGHTSHIFT_UPSTREAMS: JSON.stringify([
        { kind: 'openai', url: 'http://127.0.0.1:9/v1', models: ['qwen2:7b'] },
      ]),
      NIGHTSHIFT_GATEWAY_CONNECT_TIMEOUT_S: '1',
    });
    try {
      const failed = await clientOf(down)
        .messages.create({ model: 'qwen2:7b', max_tokens: 8, messages: user('hi') })
        .catch((e: unknown) => e);
      expect(failed).toMatchObject({ status: 529, type: 'overloaded_error' });
      expect(
        (failed as InstanceType<typeof Anthropic.APIError>).headers?.get('retry-after'),
      ).toBeTruthy();
      expect(String((failed as Error).message)).not.toMatch(/127\.0\.0\.1/);
    } finally {
      await down.close();
    }
    const limited = await gatewayUnderTest({
      OLLAMA_HOST: ollama.url,
      NIGHTSHIFT_HOT_RATE_PER_MIN: '1',
      NIGHTSHIFT_HOT_BURST: '1',
    });
    try {
      const send = () =>
        clientOf(limited).messages.create({
          model: 'qwen2:7b',
          max_tokens: 4,
          messages: user('hi'),
        });
      await send();
      const refused = await send().catch((e: unknown) => e);
      expect(refused).toMatchObject({ status: 429, type: 'rate_limit_error' });
      expect(
        (refused as InstanceType<typeof Anthropic.APIError>).headers?.get('retry-after'),
      ).toBeTruthy();
    } finally {
      await limited.close();
    }
  });
});

describe('wrong keys at /anthropic', () => {
  it('counts wrong x-api-key keys toward the per-address throttle: 401s, then 429 for every key', async () => {
    const api = await gatewayUnderTest({
      OLLAMA_HOST: ollama.url,
      NIGHTSHIFT_AUTH_FAILURES_PER_MIN: '3',
    });
    // Its own loopback address: other tests' wrong keys count elsewhere.
    const agent = new Agent({ localAddress: '127.0.0.27' });
    try {
      const statuses: number[] = [];
      let last: Response | undefined;
      for (const key of ['w1', 'w2', 'w3', 'w4', 'acme-key']) {
        last = (await undiciFetch(`${api.url}/anthropic/v1/models`, {
          headers: { 'x-api-key': key },
          dispatcher: agent,
        })) as unknown as Response;
        statuses.push(last.status);
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      expect(last?.headers.get('retry-after')).toBeTruthy();
      expect(await last?.json()).toMatchObject({
        type: 'error',
        error: { type: 'rate_limit_error' },
      });
    } finally {
      await agent.close();
      await api.close();
    }
  });
});
