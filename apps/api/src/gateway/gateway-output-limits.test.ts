/**
 * What one interactive call may ask the GPU to produce: at most 2,048 embedding inputs (OpenAI's
 * own cap), at most 8 choices, and no more output tokens than the model's context holds. Each
 * is refused with a 400 in the caller's dialect before any upstream call.
 */
import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gatewayUnderTest } from '../../test-support/gateway-under-test.ts';

let upstream: OllamaStandIn;
let api: Awaited<ReturnType<typeof gatewayUnderTest>>;
let openai: OpenAI;
let ollama: Ollama;
const user = (content: string) => [{ role: 'user' as const, content }];
const inputs = (n: number) => Array.from({ length: n }, (_, i) => `input ${i}`);
type ApiError = InstanceType<typeof OpenAI.APIError>;

beforeAll(async () => {
  upstream = await startOllamaStandIn({ tokenLatencyMs: 1 });
  api = await gatewayUnderTest({ OLLAMA_HOST: upstream.url, NIGHTSHIFT_NUM_CTX: '512' });
  openai = new OpenAI({ baseURL: api.openAiBaseUrl, apiKey: 'acme-key', maxRetries: 0 });
  ollama = new Ollama({ host: api.ollamaHost, headers: { Authorization: 'Bearer acme-key' } });
});
afterAll(async () => {
  await api?.close();
  await upstream?.close();
});
afterEach(() => upstream.reset());

describe('embedding inputs per request', () => {
  it('takes 2,048 inputs and refuses 2,049 with 400 naming input, on /openai/v1/embeddings', async () => {
    const most = await openai.embeddings.create({ model: 'qwen2:7b', input: inputs(2048) });
    expect(most.data).toHaveLength(2048);
    upstream.reset();
    const over = await openai.embeddings
      .create({ model: 'qwen2:7b', input: inputs(2049) })
      .catch((e: unknown) => e);
    expect(over).toBeInstanceOf(OpenAI.BadRequestError);
    expect((over as ApiError).param).toBe('input');
    expect((over as ApiError).message).toMatch(/2048/);
    expect(upstream.requests).toHaveLength(0);
  });

  it('refuses 2,049 inputs on /ollama/api/embed with {error}', async () => {
    const over = await ollama
      .embed({ model: 'qwen2:7b', input: inputs(2049) })
      .catch((e: unknown) => e);
    expect(over).toMatchObject({ status_code: 400, error: expect.stringMatching(/input.*2048/) });
    expect(upstream.requests).toHaveLength(0);
  });
});

describe('choices per chat completion', () => {
  it('takes n = 8 and refuses n = 9 with 400 naming n', async () => {
    const eight = await openai.chat.completions.create({
      model: 'qwen2:7b',
      messages: user('one two'),
      max_tokens: 2,
      n: 8,
    });
    expect(eight.choices.length).toBeGreaterThan(0);
    const nine = await openai.chat.completions
      .create({ model: 'qwen2:7b', messages: user('one two'), n: 9 })
      .catch((e: unknown) => e);
    expect(nine).toBeInstanceOf(OpenAI.BadRequestError);
    expect((nine as ApiError).param).toBe('n');
  });
});

describe('output tokens against the context window (512 here)', () => {
  it('refuses max_tokens or max_completion_tokens past the window, naming the field', async () => {
    const before = upstream.requests.length;
    for (const field of ['max_tokens', 'max_completion_tokens'] as const) {
      const over = await openai.chat.completions
        .create({ model: 'qwen2:7b', messages: user('hello'), [field]: 100_000 })
        .catch((e: unknown) => e);
      expect(over).toBeInstanceOf(OpenAI.BadRequestError);
      expect(over).toMatchObject({ param: field, code: 'context_length_exceeded' });
      expect((over as Error).message).toMatch(/maximum context length is 512 tokens/);
    }
    expect(upstream.requests.length).toBe(before);
  });

  it('refuses a prompt and max_tokens that together pass the window, and lets one that fits through', async () => {
    // ~280 estimated prompt tokens + 300 > 512.
    const over = await openai.chat.completions
      .create({ model: 'qwen2:7b', messages: user('word '.repeat(200)), max_tokens: 300 })
      .catch((e: unknown) => e);
    expect(over).toBeInstanceOf(OpenAI.BadRequestError);
    expect(over).toMatchObject({ param: 'max_tokens', code: 'context_length_exceeded' });
    const fits = await openai.chat.completions.create({
      model: 'qwen2:7b',
      messages: user('word '.repeat(200)),
      max_tokens: 100,
    });
    expect(fits.choices[0]?.message.content).toMatch(/^word/);
  });

  it('refuses options.num_predict past the window on /ollama/api/chat and /api/generate', async () => {
    const chat = await ollama
      .chat({ model: 'qwen2:7b', messages: user('hi'), options: { num_predict: 100_000 } })
      .catch((e: unknown) => e);
    expect(chat).toMatchObject({
      status_code: 400,
      error: expect.stringMatching(/maximum context length is 512 tokens/),
    });
    const generate = await ollama
      .generate({ model: 'qwen2:7b', prompt: 'hi', stream: false, options: { num_predict: 513 } })
      .catch((e: unknown) => e);
    expect(generate).toMatchObject({ status_code: 400 });
    expect(upstream.requests).toHaveLength(0);
  });
});
