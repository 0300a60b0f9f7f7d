/**
 * What an LLM gateway in front of the Ollama stand-in relies on, through the real `openai` and
 * `ollama` clients: the usage chunk of `stream_options.include_usage`, embeddings in both
 * dialects, vLLM's context-length 400 and a slot freed as soon as a streaming client leaves.
 */
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { type OllamaStandIn, startOllamaStandIn } from './ollama-stand-in.ts';
import { standInEmbedding } from './stand-in-embeddings.ts';
import { until } from './until.ts';

const model = 'qwen2:7b';
const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');
let stub: OllamaStandIn | undefined;

afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

function openAiFor(server: OllamaStandIn): OpenAI {
  return new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0 });
}

describe('ollama stand-in, OpenAI streaming usage', () => {
  it('ends an include_usage stream with a chunk of no choices and the whole usage', async () => {
    stub = await startOllamaStandIn();
    const stream = await openAiFor(stub).chat.completions.create({
      model,
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'one two three four five' },
      ],
      max_tokens: 3,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toEqual({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('length');
    const content = chunks.slice(0, -1).map((c) => c.choices[0]?.delta.content ?? '');
    expect(content.join('')).toBe('one two three');
    // The other chunks say `usage: null`, as OpenAI's do when usage was asked for.
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
  });

  it('sends no usage chunk without the option', async () => {
    stub = await startOllamaStandIn();
    const stream = await openAiFor(stub).chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'alpha beta' }],
      stream: true,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.every((c) => c.usage === undefined && c.choices.length === 1)).toBe(true);
  });
});

describe('ollama stand-in embeddings', () => {
  it('embeds with the ollama client: one unit vector per input, the same for the same text', async () => {
    stub = await startOllamaStandIn();
    const answer = await new Ollama({ host: stub.url }).embed({
      model,
      input: ['first text here', 'second', 'first text here'],
    });
    expect(answer.model).toBe(model);
    expect(answer.embeddings).toEqual([
      standInEmbedding('first text here'),
      standInEmbedding('second'),
      standInEmbedding('first text here'),
    ]);
    expect(answer.embeddings[0]).not.toEqual(answer.embeddings[1]);
    expect(Math.hypot(...(answer.embeddings[1] ?? []))).toBeCloseTo(1, 6);
    expect(answer.prompt_eval_count).toBe(7);
    expect(answer.total_duration).toBeGreaterThanOrEqual(0);
    expect(stub.loadedModels()).toEqual([model]);
  });

  it('embeds with the openai client, base64 by default or floats, to the same vectors', async () => {
    stub = await startOllamaStandIn();
    const openai = openAiFor(stub);
    const decoded = await openai.embeddings.create({ model, input: ['red fox', 'blue jay'] });
    expect(decoded.data.map((d) => [d.object, d.index, d.embedding])).toEqual([
      ['embedding', 0, standInEmbedding('red fox')],
      ['embedding', 1, standInEmbedding('blue jay')],
    ]);
    expect(decoded.usage).toEqual({ prompt_tokens: 4, total_tokens: 4 });
    expect(stub.requests.at(-1)?.body).toMatchObject({ encoding_format: 'base64' });
    const floats = await openai.embeddings.create({
      model,
      input: 'red fox',
      encoding_format: 'float',
    });
    expect(floats).toMatchObject({ object: 'list', model });
    expect(floats.data[0]?.embedding).toEqual(standInEmbedding('red fox'));
  });

  it('answers an unknown model with 404 in each dialect', async () => {
    stub = await startOllamaStandIn();
    await expect(
      new Ollama({ host: stub.url }).embed({ model: 'nope:1b', input: 'x' }),
    ).rejects.toMatchObject({
      status_code: 404,
      error: 'model "nope:1b" not found, try pulling it first',
    });
    const viaOpenAi = openAiFor(stub).embeddings.create({ model: 'nope:1b', input: 'x' });
    await expect(viaOpenAi).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(viaOpenAi).rejects.toThrow('model "nope:1b" not found, try pulling it first');
  });

  it('cuts an input to num_ctx words, or refuses it with truncate: false', async () => {
    stub = await startOllamaStandIn();
    const ollama = new Ollama({ host: stub.url });
    const cut = await ollama.embed({ model, input: words(6), options: { num_ctx: 4 } });
    expect(cut.embeddings).toEqual([standInEmbedding(words(4))]);
    expect(cut.prompt_eval_count).toBe(4);
    await expect(
      ollama.embed({ model, input: words(6), truncate: false, options: { num_ctx: 4 } }),
    ).rejects.toMatchObject({
      status_code: 400,
      error: 'the input length exceeds the context length',
    });
  });
});

describe('ollama stand-in context length', () => {
  it("refuses prompt + max_tokens beyond contextTokens with vLLM's 400, through the openai client", async () => {
    stub = await startOllamaStandIn({ contextTokens: 10 });
    const openai = openAiFor(stub);
    const tooLong = openai.chat.completions.create({
      model,
      messages: [{ role: 'user', content: words(8) }],
      max_tokens: 5,
    });
    await expect(tooLong).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(tooLong).rejects.toMatchObject({
      status: 400,
      message:
        "400 This model's maximum context length is 10 tokens. However, you requested 13 tokens " +
        '(8 in the messages, 5 in the completion). Please reduce the length of the messages or ' +
        'completion.',
      error: { type: 'BadRequestError', param: null, code: 400 },
    });
    // max_completion_tokens counts the same, streamed or not.
    await expect(
      openai.chat.completions.create({
        model,
        messages: [{ role: 'user', content: words(8) }],
        max_completion_tokens: 3,
        stream: true,
      }),
    ).rejects.toThrow(/you requested 11 tokens \(8 in the messages, 3 in the completion\)/);
    expect(stub.queue()).toEqual({ active: 0, waiting: 0 });
  });

  it('lets a request that fits through, and without max_tokens caps the reply at the rest of the context', async () => {
    stub = await startOllamaStandIn({ contextTokens: 10 });
    const openai = openAiFor(stub);
    const fits = await openai.chat.completions.create({
      model,
      messages: [{ role: 'user', content: words(8) }],
      max_tokens: 2,
    });
    expect(fits.choices[0]?.message.content).toBe('w0 w1');
    const uncapped = await openai.chat.completions.create({
      model,
      messages: [{ role: 'user', content: words(7) }],
    });
    expect(uncapped.choices[0]).toMatchObject({
      message: { content: 'w0 w1 w2' },
      finish_reason: 'length',
    });
    await expect(
      openai.chat.completions.create({ model, messages: [{ role: 'user', content: words(10) }] }),
    ).rejects.toThrow(/you requested 10 tokens in the messages, Please reduce the length/);
  });

  it('leaves the native /api/chat unlimited', async () => {
    stub = await startOllamaStandIn({ contextTokens: 4 });
    const answer = await new Ollama({ host: stub.url }).chat({
      model,
      messages: [{ role: 'user', content: words(8) }],
    });
    expect(answer.message.content).toBe(words(8));
  });
});

// A thousand tokens at 100 ms each would hold the slot for 100 s: a slot free within the wait
// of `until` can only have been freed by the client leaving.
describe('ollama stand-in, a streaming client that leaves', () => {
  it('frees the slot at once when the openai client aborts after the first token', async () => {
    stub = await startOllamaStandIn({ parallel: 1, tokenLatencyMs: 100 });
    const server = stub;
    const stream = await openAiFor(stub).chat.completions.create({
      model,
      messages: [{ role: 'user', content: words(1000) }],
      max_tokens: 1000,
      stream: true,
    });
    for await (const chunk of stream) {
      expect(chunk.choices[0]?.delta.content).toBe('w0');
      expect(server.queue().active).toBe(1);
      stream.controller.abort();
      break;
    }
    await until(() => server.queue().active === 0, 5_000, 'slot freed');
    expect(server.queue()).toEqual({ active: 0, waiting: 0 });
    // The answer was cut short, not written to its end.
    expect(server.requests[0]?.finishedAt).toBeUndefined();
  });

  it('frees the slot at once when the ollama client aborts after the first token', async () => {
    stub = await startOllamaStandIn({ parallel: 1, tokenLatencyMs: 100 });
    const server = stub;
    const stream = await new Ollama({ host: stub.url }).chat({
      model,
      messages: [{ role: 'user', content: words(1000) }],
      stream: true,
      options: { num_predict: 1000 },
    });
    for await (const part of stream) {
      expect(part.message.content).toBe('w0');
      stream.abort();
      break;
    }
    await until(() => server.queue().active === 0, 5_000, 'slot freed');
  });
});
