import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gatewayUnderTest } from '../../test-support/gateway-under-test.ts';

// `/openai/v1/completions` (legacy text completions) as interactive calls, and the hot lane's
// rules on it and on `/openai/v1/responses`.

type Api = Awaited<ReturnType<typeof gatewayUnderTest>>;
let ollama: OllamaStandIn;
let api: Api;
let client: OpenAI;

async function refusal(call: Promise<unknown>) {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OpenAI.APIError);
  return error as InstanceType<typeof OpenAI.APIError>;
}

beforeAll(async () => {
  ollama = await startOllamaStandIn({ tokenLatencyMs: 2 });
  api = await gatewayUnderTest({
    OLLAMA_HOST: ollama.url,
    NIGHTSHIFT_NUM_CTX: '512',
    NIGHTSHIFT_MAX_DOCUMENT_BYTES: '65536',
  });
  client = new OpenAI({ baseURL: api.openAiBaseUrl, apiKey: 'acme-key', maxRetries: 0 });
});
afterAll(async () => {
  await api?.close();
  await ollama?.close();
});
afterEach(() => ollama.reset());

describe('client.completions.create through /openai/v1', () => {
  it('answers a whole text completion with its usage', async () => {
    const completion = await client.completions.create({
      model: 'qwen2:7b',
      prompt: 'one two three four',
      max_tokens: 2,
    });
    expect(completion.object).toBe('text_completion');
    expect(completion.choices[0]?.text).toBe('one two');
    expect(completion.choices[0]?.finish_reason).toBe('length');
    expect(completion.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 2 });
    expect(ollama.requests.at(-1)).toMatchObject({ path: '/v1/completions', model: 'qwen2:7b' });
  });

  it('streams a text completion as server-sent events, with a usage chunk only when asked', async () => {
    const stream = await client.completions.create({
      model: 'qwen2:7b',
      prompt: 'alpha beta gamma',
      stream: true,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.map((c) => c.choices[0]?.text ?? '').join('')).toBe('alpha beta gamma');
    expect(chunks.some((c) => c.usage)).toBe(false);

    const counted = await client.completions.create({
      model: 'qwen2:7b',
      prompt: 'delta epsilon',
      stream: true,
      stream_options: { include_usage: true },
    });
    const usage = [];
    for await (const chunk of counted) if (chunk.usage) usage.push(chunk.usage);
    expect(usage).toEqual([expect.objectContaining({ prompt_tokens: 2, completion_tokens: 2 })]);
  });

  it('refuses n or best_of over 8, and max_tokens past the window, naming the field', async () => {
    const n = await refusal(client.completions.create({ model: 'qwen2:7b', prompt: 'x', n: 9 }));
    expect(n).toBeInstanceOf(OpenAI.BadRequestError);
    expect(n.param).toBe('n');
    const bestOf = await refusal(
      client.completions.create({ model: 'qwen2:7b', prompt: 'x', best_of: 9 }),
    );
    expect(bestOf.param).toBe('best_of');
    const prompts = await refusal(
      client.completions.create({ model: 'qwen2:7b', prompt: ['a', 'b', 'c'], n: 3 }),
    );
    expect(prompts.param).toBe('prompt');
    const tokens = await refusal(
      client.completions.create({ model: 'qwen2:7b', prompt: 'x', max_tokens: 4096 }),
    );
    expect(tokens.code).toBe('context_length_exceeded');
    expect(tokens.param).toBe('max_tokens');
    expect(ollama.requests).toHaveLength(0);
  });

  it('answers 413 for a body over the limit and 400 for one nested too deep', async () => {
    const huge = await refusal(
      client.completions.create({ model: 'qwen2:7b', prompt: 'x'.repeat(300_000) }),
    );
    expect(huge.status).toBe(413);
    expect(huge.code).toBe('request_too_large');
    const deep = `{"model":"qwen2:7b","input":${'['.repeat(100)}${']'.repeat(100)}}`;
    for (const path of ['/completions', '/responses']) {
      const res = await fetch(`${api.openAiBaseUrl}${path}`, {
        method: 'POST',
        headers: { authorization: 'Bearer acme-key', 'content-type': 'application/json' },
        body: deep.replace('"input"', path === '/completions' ? '"prompt"' : '"input"'),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
    }
    expect(ollama.requests).toHaveLength(0);
  });
});

describe('the hot lane’s rate limit', () => {
  let limited: Api;
  afterAll(async () => {
    await limited?.close();
  });

  it('is one budget per tenant across chat, responses and text completions', async () => {
    limited = await gatewayUnderTest({
      OLLAMA_HOST: ollama.url,
      NIGHTSHIFT_HOT_RATE_PER_MIN: '1',
      NIGHTSHIFT_HOT_BURST: '2',
    });
    const openai = new OpenAI({
      baseURL: limited.openAiBaseUrl,
      apiKey: 'acme-key',
      maxRetries: 0,
    });
    await openai.responses.create({ model: 'qwen2:7b', input: 'hi' });
    await openai.completions.create({ model: 'qwen2:7b', prompt: 'hi' });
    for (const call of [
      openai.responses.create({ model: 'qwen2:7b', input: 'hi' }),
      openai.completions.create({ model: 'qwen2:7b', prompt: 'hi' }),
      openai.chat.completions.create({
        model: 'qwen2:7b',
        messages: [{ role: 'user', content: 'hi' }],
      }),
    ]) {
      const error = await refusal(call);
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      expect(error.code).toBe('rate_limit_exceeded');
      expect(Number(error.headers?.get('retry-after'))).toBeGreaterThan(0);
    }
  });
});
