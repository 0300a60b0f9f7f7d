import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { until } from '@nightshift/testkit/until';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayUnderTest } from '../../test-support/gateway-under-test.ts';

// A streamed chat passes the upstream's server-sent events through as it wrote them (issue 26):
// the gateway still counts the usage it never shows unasked, and ends the stream itself.

let ollama: OllamaStandIn;
let api: Awaited<ReturnType<typeof gatewayUnderTest>>;
let client: OpenAI;

beforeAll(async () => {
  ollama = await startOllamaStandIn({ tokenLatencyMs: 1 });
  api = await gatewayUnderTest({ OLLAMA_HOST: ollama.url });
  client = new OpenAI({ baseURL: api.openAiBaseUrl, apiKey: 'acme-key', maxRetries: 0 });
});
afterAll(async () => {
  await api?.close();
  await ollama?.close();
});

const completionTokens = async () => {
  const res = await api.app.request(`/v1/usage?from=${new Date().toISOString().slice(0, 10)}`, {
    headers: api.auth(),
  });
  return ((await res.json()) as { totals: { completionTokens: number } }).totals.completionTokens;
};

describe('a streamed chat passed through', () => {
  it('counts the usage the caller did not ask to see, and sends one [DONE] at the end', async () => {
    const before = await completionTokens();
    const res = await fetch(`${api.openAiBaseUrl}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer acme-key', 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'qwen2:7b',
        messages: [{ role: 'user', content: 'one two three four five' }],
        stream: true,
      }),
    });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const text = await res.text();
    const events = text.split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    expect(events.filter((e) => e === 'data: [DONE]')).toHaveLength(1);
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice('data: '.length)));
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.some((c) => c.usage)).toBe(false);
    await until(
      async () => (await completionTokens()) > before,
      5_000,
      'the unshown usage counted',
    );
  });

  it('writes the stream to the socket with the headers of every API answer, as a Response without one', async () => {
    const request = {
      method: 'POST',
      headers: { authorization: 'Bearer acme-key', 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'qwen2:7b',
        messages: [{ role: 'user', content: 'one two three' }],
        stream: true,
      }),
    };
    // On the socket the route writes the answer itself; through app.request() it returns it.
    const written = await fetch(`${api.openAiBaseUrl}/chat/completions`, request);
    const returned = await api.app.request('/openai/v1/chat/completions', request);
    for (const res of [written, returned]) {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('x-nightshift-model')).toBe('qwen2:7b');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
      expect(res.headers.get('ratelimit-limit')).toBe('100000');
      expect((await res.text()).endsWith('data: [DONE]\n\n')).toBe(true);
    }
    expect(written.headers.get('x-hono-already-sent')).toBeNull();
  });

  it('answers an upstream refusal before the stream in the OpenAI shape, through the client', async () => {
    const failure = await client.chat.completions
      .create({
        model: 'no-such-model',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
      })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(failure).toMatchObject({ status: 404 });
  });
});
