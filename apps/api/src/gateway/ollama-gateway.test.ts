import {
  type OllamaStandIn,
  standInEmbedding,
  startOllamaStandIn,
} from '@nightshift/testkit/ollama-stand-in';
import { until } from '@nightshift/testkit/until';
import { Ollama } from 'ollama';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gatewayUnderTest } from '../../test-support/gateway-under-test.ts';

let upstream: OllamaStandIn;
let api: Awaited<ReturnType<typeof gatewayUnderTest>>;
let client: Ollama;
const user = (content: string) => [{ role: 'user', content }];
const asAcme = (host: string) =>
  new Ollama({ host, headers: { Authorization: 'Bearer acme-key' } });

beforeAll(async () => {
  upstream = await startOllamaStandIn({ tokenLatencyMs: 2 });
  api = await gatewayUnderTest({ OLLAMA_HOST: upstream.url });
  client = asAcme(api.ollamaHost);
});
afterAll(async () => {
  await api?.close();
  await upstream?.close();
});
afterEach(() => upstream.reset());

describe('the ollama client pointed at /ollama', () => {
  it('streams a chat as NDJSON pieces ending in done, passed through to the Ollama upstream', async () => {
    const stream = await client.chat({
      model: 'qwen2:7b',
      messages: user('red green blue'),
      stream: true,
    });
    const pieces: string[] = [];
    let last: { done: boolean; eval_count?: number } | undefined;
    for await (const part of stream) {
      pieces.push(part.message.content);
      last = part;
    }
    expect(pieces.join('')).toBe('red green blue');
    expect(last).toMatchObject({ done: true, eval_count: 3 });
    expect(upstream.requests.at(-1)).toMatchObject({ path: '/api/chat', model: 'qwen2:7b' });
  });

  it('answers generate whole when asked not to stream, keeping Ollama options', async () => {
    const answer = await client.generate({
      model: 'qwen2:7b',
      prompt: 'one two three four',
      stream: false,
      options: { num_predict: 2 },
    });
    expect(answer).toMatchObject({ response: 'one two', done: true, done_reason: 'length' });
  });

  it('embeds through /api/embed', async () => {
    const answer = await client.embed({ model: 'qwen2:7b', input: ['one', 'two three'] });
    expect(answer.embeddings).toEqual([standInEmbedding('one'), standInEmbedding('two three')]);
    expect(upstream.requests.at(-1)).toMatchObject({ path: '/api/embed' });
  });

  it('lists tags, running models and a version', async () => {
    await client.chat({ model: 'qwen3:32b', messages: user('warm up'), stream: false });
    const tags = await client.list();
    expect(tags.models.map((m) => m.name).sort()).toEqual(['qwen2:7b', 'qwen3:32b']);
    const ps = await client.ps();
    expect(ps.models.map((m) => m.name)).toContain('qwen3:32b');
    expect((await client.version()).version).toBe('0.12.0');
  });
});

describe('errors in Ollama’s shape', () => {
  it('answers a bad key 401, an unknown model 404, a malformed body 400', async () => {
    const stranger = new Ollama({
      host: api.ollamaHost,
      headers: { Authorization: 'Bearer nope' },
    });
    await expect(stranger.list()).rejects.toMatchObject({ status_code: 401 });
    await expect(
      client.chat({ model: 'llama9', messages: user('hi'), stream: false }),
    ).rejects.toMatchObject({ status_code: 404, error: expect.stringMatching(/llama9/) });
    const raw = await fetch(`${api.ollamaHost}/api/chat`, {
      method: 'POST',
      headers: { authorization: 'Bearer acme-key', 'content-type': 'application/json' },
      body: JSON.stringify({ messages: user('no model') }),
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toEqual({ error: expect.stringMatching(/^model/) });
    await expect(client.embed({ model: 'qwen2:7b', input: [] })).rejects.toMatchObject({
      status_code: 400,
      error: expect.stringMatching(/^input/),
    });
    const nowhere = await fetch(`${api.ollamaHost}/api/pull`, {
      method: 'POST',
      headers: { authorization: 'Bearer acme-key' },
    });
    expect(nowhere.status).toBe(404);
    expect(await nowhere.json()).toEqual({ error: expect.stringMatching(/unknown route/) });
  });

  it('ends a stream that fails midway with an {"error"} line the client throws', async () => {
    upstream.failNext({ kind: 'stream_error', message: 'CUDA error: out of memory' });
    const stream = await client.chat({
      model: 'qwen2:7b',
      messages: user('a b c d'),
      stream: true,
    });
    await expect(
      (async () => {
        for await (const _ of stream);
      })(),
    ).rejects.toThrow(/out of memory/);
  });
});

describe('disconnects', () => {
  it('aborting the stream stops the upstream call and frees its slot', async () => {
    const stream = await client.chat({
      model: 'qwen2:7b',
      messages: user('word '.repeat(200)),
      stream: true,
    });
    let pieces = 0;
    try {
      for await (const _ of stream) {
        if (++pieces === 2) stream.abort();
      }
    } catch {
      // AbortError: the client went away on purpose.
    }
    expect(pieces).toBe(2);
    await until(() => upstream.queue().active === 0, 5_000, 'the upstream slot freed');
    expect(upstream.requests.at(-1)?.finishedAt).toBeUndefined();
  });
});
