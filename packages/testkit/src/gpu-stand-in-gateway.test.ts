/**
 * What an LLM gateway in front of the GPU stand-in relies on, through the real `openai` and
 * `ollama` clients: the usage chunk of `stream_options.include_usage`, embeddings as one engine
 * step, vLLM's context-length 400 and a batch place freed as soon as a streaming client leaves.
 */
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { type GpuStandIn, startGpuStandIn } from './gpu-stand-in.ts';
import { standInEmbedding } from './stand-in-embeddings.ts';
import { until } from './until.ts';

const model = 'qwen2:7b';
const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');
let gpu: GpuStandIn | undefined;

afterEach(async () => {
  await gpu?.close();
  gpu = undefined;
});

function openAiFor(server: GpuStandIn): OpenAI {
  return new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0 });
}

describe('GPU stand-in, OpenAI streaming usage', () => {
  it('ends an include_usage stream with a chunk of no choices and the whole usage, and only then', async () => {
    gpu = await startGpuStandIn({ engine: { stepBaseMs: 1, stepPerSeqMs: 0 } });
    const openai = openAiFor(gpu);
    const messages = [{ role: 'user' as const, content: 'one two three four' }];
    const withUsage = await openai.chat.completions.create({
      model,
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of withUsage) chunks.push(chunk);
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 4, completion_tokens: 4, total_tokens: 8 },
    });
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);

    const without = await openai.chat.completions.create({ model, messages, stream: true });
    const plain = [];
    for await (const chunk of without) plain.push(chunk);
    expect(plain.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    expect(plain.every((c) => c.usage === undefined && c.choices.length === 1)).toBe(true);
  });
});

describe('GPU stand-in embeddings', () => {
  it('embeds in vLLM mode through the openai client, in one engine step that generates nothing', async () => {
    gpu = await startGpuStandIn({ engine: { stepBaseMs: 1, stepPerSeqMs: 0 } });
    const answer = await openAiFor(gpu).embeddings.create({ model, input: ['a b c', 'd'] });
    expect(answer.data.map((d) => d.embedding)).toEqual([
      standInEmbedding('a b c'),
      standInEmbedding('d'),
    ]);
    expect(answer.usage).toEqual({ prompt_tokens: 4, total_tokens: 4 });
    expect(gpu.stats()[0]?.stats.generatedTokens).toBe(0);
    expect(gpu.queue()).toEqual({ active: 0, waiting: 0 });
  });

  it('embeds in Ollama mode through the ollama client, waiting for a slot like any request', async () => {
    gpu = await startGpuStandIn({
      mode: 'ollama',
      models: [{ name: model, sizeBytes: 4_000 }],
      engine: { stepBaseMs: 50, stepPerSeqMs: 0 },
      ollama: { memoryBytes: 1_000_000, parallel: 1, kvBytesPerToken: 1 },
    });
    const server = gpu;
    const ollama = new Ollama({ host: gpu.url });
    const chat = ollama.chat({ model, messages: [{ role: 'user', content: words(5) }] });
    await until(() => server.queue().active === 1, 5_000, 'chat running');
    const embedding = ollama.embed({ model, input: 'hello world' });
    await until(() => server.queue().waiting === 1, 5_000, 'embedding waiting for the slot');
    const answer = await embedding;
    expect(answer).toMatchObject({ model, prompt_eval_count: 2 });
    expect(answer.embeddings).toEqual([standInEmbedding('hello world')]);
    expect((await chat).message.content).toBe(words(5));
  });

  it('answers an unknown model with 404 in each dialect', async () => {
    gpu = await startGpuStandIn();
    await expect(
      new Ollama({ host: gpu.url }).embed({ model: 'nope:1b', input: 'x' }),
    ).rejects.toMatchObject({ status_code: 404 });
    await expect(
      openAiFor(gpu).embeddings.create({ model: 'nope:1b', input: 'x' }),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("refuses an embedding input over contextTokens with vLLM's 400", async () => {
    gpu = await startGpuStandIn({ contextTokens: 10 });
    const tooLong = openAiFor(gpu).embeddings.create({ model, input: ['short', words(12)] });
    await expect(tooLong).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(tooLong).rejects.toThrow(
      "This model's maximum context length is 10 tokens. However, you requested 12 tokens in " +
        'the input for embedding generation. Please reduce the length of the input.',
    );
  });
});

describe('GPU stand-in context length (vLLM mode)', () => {
  it("refuses prompt + max_tokens beyond contextTokens with vLLM's 400 before scheduling it", async () => {
    gpu = await startGpuStandIn({ contextTokens: 10, engine: { stepBaseMs: 1, stepPerSeqMs: 0 } });
    const openai = openAiFor(gpu);
    const tooLong = openai.chat.completions.create({
      model,
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: words(6) },
      ],
      max_tokens: 4,
    });
    await expect(tooLong).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(tooLong).rejects.toMatchObject({
      status: 400,
      message:
        "400 This model's maximum context length is 10 tokens. However, you requested 12 tokens " +
        '(8 in the messages, 4 in the completion). Please reduce the length of the messages or ' +
        'completion.',
      error: { type: 'BadRequestError', param: null, code: 400 },
    });
    expect(gpu.stats()[0]?.stats.generatedTokens).toBe(0);
    const fits = await openai.chat.completions.create({
      model,
      messages: [{ role: 'user', content: words(6) }],
      max_tokens: 4,
    });
    expect(fits.choices[0]?.message.content).toBe(words(4));
  });
});

// A thousand tokens at 50 ms a step would hold the batch place for 50 s: a place free within
// the wait of `until` can only have been freed by the client leaving.
describe('GPU stand-in, a streaming client that leaves', () => {
  it('frees its batch place at once when the openai client aborts after the first token', async () => {
    gpu = await startGpuStandIn({ engine: { stepBaseMs: 50, stepPerSeqMs: 0, maxNumSeqs: 1 } });
    const server = gpu;
    const stream = await openAiFor(gpu).chat.completions.create({
      model,
      messages: [{ role: 'user', content: words(1000) }],
      max_tokens: 1000,
      stream: true,
    });
    for await (const chunk of stream) {
      expect(chunk.choices[0]?.delta.content).toBe('w0');
      expect(server.queue()).toEqual({ active: 1, waiting: 0 });
      stream.controller.abort();
      break;
    }
    await until(() => server.queue().active === 0, 5_000, 'batch place freed');
    expect(server.stats()[0]?.stats.kvUsedTokens).toBe(0);
  });
});
