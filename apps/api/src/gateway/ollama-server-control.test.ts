import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { Ollama } from 'ollama';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gatewayUnderTest } from '../../test-support/gateway-under-test.ts';

let upstream: OllamaStandIn;
let api: Awaited<ReturnType<typeof gatewayUnderTest>>;
let client: Ollama;
const inference = () => upstream.requests.filter((r) => r.path !== '/api/tags');

beforeAll(async () => {
  upstream = await startOllamaStandIn({ tokenLatencyMs: 1 });
  // The upstream's context window, as the gateway checks prompts against it.
  api = await gatewayUnderTest({ OLLAMA_HOST: upstream.url, NIGHTSHIFT_NUM_CTX: '4096' });
  client = new Ollama({ host: api.ollamaHost, headers: { Authorization: 'Bearer acme-key' } });
});
afterAll(async () => {
  await api?.close();
  await upstream?.close();
});
afterEach(() => upstream.reset());

describe('a tenant cannot manage the shared model server through /ollama', () => {
  it('answers an unload (keep_alive 0, no prompt) as a load, and the server never hears of it', async () => {
    const generated = await client.generate({ model: 'qwen2:7b', prompt: '', keep_alive: 0 });
    expect(generated).toMatchObject({ model: 'qwen2:7b', done: true, done_reason: 'load' });
    const chatted = await client.chat({ model: 'qwen2:7b', messages: [], keep_alive: 0 });
    expect(chatted).toMatchObject({
      model: 'qwen2:7b',
      message: { role: 'assistant', content: '' },
      done: true,
      done_reason: 'load',
    });
    const embedded = await client.embed({ model: 'qwen2:7b', input: '', keep_alive: 0 });
    expect(embedded).toMatchObject({ model: 'qwen2:7b', embeddings: [] });
    expect(inference()).toEqual([]);
  });

  it('answers a load of an unknown model 404, as Ollama does', async () => {
    await expect(client.generate({ model: 'llama9', prompt: '' })).rejects.toMatchObject({
      status_code: 404,
      error: expect.stringMatching(/llama9/),
    });
    expect(inference()).toEqual([]);
  });

  it('forwards only per-request options: no keep_alive, no num_ctx, no GPU or memory settings', async () => {
    const answer = await client.generate({
      model: 'qwen2:7b',
      prompt: 'one two three',
      stream: false,
      keep_alive: -1,
      options: {
        num_ctx: 262_144,
        num_gpu: 99,
        main_gpu: 1,
        use_mmap: false,
        use_mlock: true,
        num_thread: 64,
        num_batch: 4096,
        temperature: 0.2,
        top_k: 5,
        stop: ['four'],
      },
    });
    expect(answer).toMatchObject({ response: 'one two three', done: true });
    await client.chat({
      model: 'qwen2:7b',
      messages: [{ role: 'user', content: 'hi' }],
      stream: false,
      keep_alive: '24h',
      options: { num_ctx: 262_144, seed: 7 },
    });
    await client.embed({ model: 'qwen2:7b', input: ['a'], keep_alive: -1 });
    const [generate, chat, embed] = inference();
    expect(generate?.keep_alive).toBeUndefined();
    expect(generate?.body).toMatchObject({
      options: { temperature: 0.2, top_k: 5, stop: ['four'], num_predict: 4096 },
    });
    expect(
      Object.keys((generate?.body as { options: object } | undefined)?.options ?? {}).sort(),
    ).toEqual(['num_predict', 'stop', 'temperature', 'top_k']);
    expect(chat?.keep_alive).toBeUndefined();
    expect(chat?.body).toMatchObject({ options: { seed: 7, num_predict: 4096 } });
    expect(
      Object.keys((chat?.body as { options?: object } | undefined)?.options ?? {}),
    ).toHaveLength(2);
    expect(embed?.path).toBe('/api/embed');
    expect(embed?.keep_alive).toBeUndefined();
    expect(JSON.stringify(inference().map((r) => r.body))).not.toMatch(/keep_alive|num_ctx/);
  });

  it('bounds num_predict by the context window when the caller asks for no cap', async () => {
    await client.generate({
      model: 'qwen2:7b',
      prompt: 'one two',
      stream: false,
      options: { num_predict: -1 },
    });
    expect(inference()[0]?.options).toMatchObject({ num_predict: 4096 });
  });
});
