import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { Agent, getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LlmError } from './errors.ts';
import {
  createOllamaProvider,
  isOllamaReachable,
  listLoadedModels,
  unloadModel,
} from './ollama-provider.ts';

const model = 'qwen2:7b';
const prompt = 'Nightshift drains the cold lane at night while the hot lane serves requests.';

async function failure(promise: Promise<unknown>): Promise<LlmError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(LlmError);
    return err as LlmError;
  }
  throw new Error('expected the call to fail');
}

describe('ollama provider against the stand-in', () => {
  let ollama: OllamaStandIn;

  beforeAll(async () => {
    ollama = await startOllamaStandIn({
      models: [
        { name: model, sizeBytes: 4_400_000_000, sizeVramBytes: 4_100_000_000 },
        { name: 'qwen3:32b', sizeBytes: 19_900_000_000 },
      ],
    });
  });
  afterEach(() => ollama.reset());
  afterAll(() => ollama.close());

  it('asks for one chat answer with num_ctx, num_predict and keep_alive', async () => {
    const provider = createOllamaProvider({ host: ollama.url, keepAlive: '10m', timeoutMs: 5000 });
    const result = await provider.complete({
      model,
      system: 'Summarize.',
      prompt,
      numCtx: 4096,
      maxTokens: 5,
    });
    expect(result).toEqual({
      text: 'Nightshift drains the cold lane',
      model,
      usage: { promptTokens: 14, completionTokens: 5 },
    });
    expect(ollama.requests).toHaveLength(1);
    expect(ollama.requests[0]).toMatchObject({
      path: '/api/chat',
      stream: false,
      keep_alive: '10m',
      options: { num_ctx: 4096, num_predict: 5 },
      messages: [
        { role: 'system', content: 'Summarize.' },
        { role: 'user', content: prompt },
      ],
    });
  });

  it('classifies oom, busy, missing and mid-generation errors', async () => {
    const provider = createOllamaProvider({ host: ollama.url, timeoutMs: 5000 });
    const call = () => provider.complete({ model, prompt });
    ollama.failNext({ kind: 'oom' });
    expect((await failure(call())).kind).toBe('oom');
    ollama.failNext({ kind: 'busy' });
    expect(await failure(call())).toMatchObject({ kind: 'busy', status: 503 });
    ollama.failNext({ kind: 'missing' });
    expect(await failure(call())).toMatchObject({ kind: 'missing', status: 404 });
    expect((await failure(provider.complete({ model: 'absent:1b', prompt }))).kind).toBe('missing');
    ollama.failNext({ kind: 'stream_error' });
    expect((await failure(call())).kind).toBe('oom');
    ollama.failNext({
      kind: 'stream_error',
      message: 'llama runner process has terminated: exit status 2',
    });
    expect((await failure(call())).kind).toBe('unavailable');
  });

  it('waits for a slow unstreamed answer as long as its own deadline allows, whatever the global dispatcher says', async () => {
    const previous = getGlobalDispatcher();
    // A global dispatcher whose header timeout (like undici's 300 s default) is shorter than the
    // answer: model calls use their own pool, with undici's timeouts off, and only the call's
    // deadline limits them.
    setGlobalDispatcher(new Agent({ headersTimeout: 50, bodyTimeout: 50 }));
    try {
      const provider = createOllamaProvider({ host: ollama.url, timeoutMs: 5000 });
      ollama.failNext({ kind: 'slow', delayMs: 2_000 });
      const result = await provider.complete({ model, prompt, maxTokens: 3 });
      expect(result.usage.completionTokens).toBe(3);
    } finally {
      setGlobalDispatcher(previous);
    }
  });

  it('times out a slow answer and frees the server slot', async () => {
    const provider = createOllamaProvider({ host: ollama.url, timeoutMs: 100 });
    ollama.failNext({ kind: 'slow', delayMs: 30_000 });
    const err = await failure(provider.complete({ model, prompt }));
    expect(err.kind).toBe('timeout');
    await expect.poll(() => ollama.queue().active).toBe(0);
  });

  it('times out past a second too, where undici keeps its request timers coarse', async () => {
    const provider = createOllamaProvider({ host: ollama.url, timeoutMs: 1_200 });
    ollama.failNext({ kind: 'slow', delayMs: 30_000 });
    const started = Date.now();
    const err = await failure(provider.complete({ model, prompt }));
    expect(err.kind).toBe('timeout');
    expect(err.message).toContain('no answer within 1200 ms');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_100);
    await expect.poll(() => ollama.queue().active).toBe(0);
  });

  it('cancels one call without touching a concurrent one', async () => {
    const slowServer = await startOllamaStandIn({ tokenLatencyMs: 20 });
    try {
      const provider = createOllamaProvider({ host: slowServer.url, timeoutMs: 10_000 });
      const controller = new AbortController();
      const long = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
      const cancelled = provider.complete({ model, prompt: long, signal: controller.signal });
      const kept = provider.complete({ model, prompt: long });
      await expect.poll(() => slowServer.queue().active).toBe(2);
      controller.abort();
      expect((await failure(cancelled)).kind).toBe('aborted');
      expect((await kept).text).toBe(long);
    } finally {
      await slowServer.close();
    }
  });

  it('lists loaded models, unloads one and probes reachability', async () => {
    const provider = createOllamaProvider({ host: ollama.url, keepAlive: '5m' });
    await provider.complete({ model, prompt, numCtx: 2048 });
    const loaded = await listLoadedModels(ollama.url);
    expect(loaded).toHaveLength(1);
    expect(loaded[0]).toMatchObject({
      name: model,
      sizeBytes: 4_400_000_000,
      sizeVramBytes: 4_100_000_000,
      contextLength: 2048,
    });
    expect(loaded[0]?.expiresAt.getTime()).toBeGreaterThan(Date.now());
    await unloadModel(ollama.url, model);
    expect(await listLoadedModels(ollama.url)).toEqual([]);
    expect(ollama.requests.at(-2)).toMatchObject({ path: '/api/generate', keep_alive: 0 });

    expect(await isOllamaReachable(ollama.url, 1000)).toBe(true);
    const gone = await startOllamaStandIn();
    const goneUrl = gone.url;
    await gone.close();
    expect(await isOllamaReachable(goneUrl, 1000)).toBe(false);
  });

  it('gives up on a server that never answers a housekeeping call, as a timeout', async () => {
    const silent = createServer(() => {}); // reads the request, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const err = await failure(listLoadedModels(url, { timeoutMs: 300 }));
      expect(err.kind).toBe('timeout');
      expect(err.message).toContain('no answer within 300 ms');
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
