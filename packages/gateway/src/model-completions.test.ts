import { loadConfig } from '@nightshift/core';
import type { LlmError, LlmProvider } from '@nightshift/llm';
import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Gateway } from './gateway.ts';
import { gatewayProvider } from './model-completions.ts';
import { openAiChatCall } from './openai-surface.ts';
import type { UpstreamClients } from './upstream-clients.ts';
import { configuredUpstreams } from './upstream-wiring.ts';
import { fallbacksFrom } from './upstreams.ts';

// Summaries and chat through one layer, over the Ollama stand-in with the real clients: the
// single-`OLLAMA_HOST` setup, whose main model falls back to `NIGHTSHIFT_FALLBACK_MODELS`.
const main = 'qwen3:32b';
const fallback = 'qwen2:7b';
const prompt =
  'The scheduler admitted a fourth long document. The card ran out of memory within seconds. The worker now checks free memory first.';

let ollama: OllamaStandIn;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  ollama = await startOllamaStandIn();
});
afterEach(() => ollama.reset());
afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  await ollama.close();
});

/** One layer as a worker or the API builds it, with its summary providers and a chat call. */
function layer(env: Record<string, string> = {}, breaker = { failureThreshold: 2 }) {
  const config = loadConfig({
    OLLAMA_HOST: ollama.url,
    NIGHTSHIFT_GATEWAY_READ_TIMEOUT_S: '1',
    NIGHTSHIFT_GATEWAY_CONNECT_TIMEOUT_S: '1',
    ...env,
  });
  const { clients, pool } = configuredUpstreams(config);
  open.push(clients);
  const capacity: string[] = [];
  const movedPast: string[] = [];
  const finished: Array<{ operation: string; model: string; outcome: string }> = [];
  const gateway = new Gateway({
    pool,
    fallbacks: fallbacksFrom(config),
    breaker,
    onCapacityError: ({ model, kind }) => capacity.push(`${model}:${kind}`),
    onFallback: ({ model, reason }) => movedPast.push(`${model}:${reason}`),
    onFinished: ({ operation, model, outcome }) => finished.push({ operation, model, outcome }),
  });
  const summaries = (onCapacity: 'fallback' | 'wait'): LlmProvider =>
    gatewayProvider({ gateway, clients, onCapacity, operation: `summary.${onCapacity}` });
  return {
    pool,
    gateway,
    hot: summaries('fallback'),
    cold: summaries('wait'),
    chat: (model: string) => chat(gateway, clients, model),
    capacity,
    movedPast,
    finished,
  };
}

async function chat(gateway: Gateway, clients: UpstreamClients, model: string) {
  const call = openAiChatCall(
    clients,
    { model, messages: [{ role: 'user', content: 'hello there' }] },
    { tenant: 'acme', signal: new AbortController().signal },
  );
  const answer = await gateway.open(call);
  for await (const _ of answer.pieces);
  return answer.model;
}

const modelsAsked = () => ollama.requests.filter((r) => r.model).map((r) => r.model);
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('summaries through the model-access layer', () => {
  it('answers from the main model through one native /api/chat call, unstreamed', async () => {
    const { hot, finished } = layer();
    const result = await hot.complete({ model: main, prompt, maxTokens: 3, numCtx: 4096 });
    expect(result).toMatchObject({ text: 'The scheduler admitted', model: main });
    expect(result.degraded).toBeUndefined();
    const [call] = ollama.requests.filter((r) => r.path === '/api/chat');
    expect(call).toMatchObject({ model: main, stream: false });
    expect(finished).toEqual([{ operation: 'summary.fallback', model: main, outcome: 'ok' }]);
  });

  it.each([
    ['oom', 'oom'],
    ['missing', 'missing'],
    ['busy', 'busy'],
    ['stream_error', 'oom'],
    ['slow', 'timeout'],
  ] as const)('falls back on %s as chat does (hot lane)', async (fault, reason) => {
    const { hot, movedPast } = layer();
    ollama.failNext({ kind: fault, model: main, ...(fault === 'slow' ? { delayMs: 30_000 } : {}) });
    const result = await hot.complete({ model: main, prompt, maxTokens: 3 });
    expect(result).toMatchObject({ model: fallback, degraded: true });
    expect(movedPast).toEqual([`${main}:${reason}`]);
    expect(modelsAsked()).toEqual([main, fallback]);
  });

  it.each(['oom', 'busy'] as const)(
    'waits on a full GPU (%s) on the cold lane instead of falling back; still falls back on a missing model',
    async (kind) => {
      const { cold, capacity } = layer();
      ollama.failNext({ kind, model: main });
      const err = (await failure(cold.complete({ model: main, prompt, maxTokens: 3 }))) as LlmError;
      expect(err).toMatchObject({ name: 'LlmError', kind });
      expect(modelsAsked()).toEqual([main]);
      expect(capacity).toEqual([`${main}:${kind}`]);
      // A full GPU does not open the main model's breaker when the caller waits for room.
      for (let i = 0; i < 3; i++) {
        ollama.failNext({ kind, model: main });
        await failure(cold.complete({ model: main, prompt, maxTokens: 3 }));
      }
      expect((await cold.complete({ model: main, prompt, maxTokens: 3 })).model).toBe(main);
      ollama.failNext({ kind: 'missing', model: main });
      expect((await cold.complete({ model: main, prompt, maxTokens: 3 })).model).toBe(fallback);
    },
  );

  it('reads caller aborts as aborted and every model failing as unavailable, with no fallback past the layer', async () => {
    const { hot } = layer();
    const controller = new AbortController();
    controller.abort();
    const aborted = await failure(hot.complete({ model: main, prompt, signal: controller.signal }));
    expect(aborted).toMatchObject({ name: 'LlmError', kind: 'aborted' });
    ollama.failNext({ kind: 'oom', times: 2 });
    const failed = await failure(hot.complete({ model: main, prompt }));
    expect(failed).toMatchObject({ name: 'LlmError', kind: 'unavailable' });
    ollama.failNext({ kind: 'missing', times: 2 });
    const missing = await failure(hot.complete({ model: main, prompt }));
    expect(missing).toMatchObject({ name: 'LlmError', kind: 'missing' });
  });

  it('marks the server down only when it refuses the connection: its models are skipped, not their breakers counted', async () => {
    const gone = await startOllamaStandIn();
    const url = gone.url;
    await gone.close();
    const { hot, pool } = layer({ OLLAMA_HOST: url });
    const [upstream] = pool.upstreams;
    const err = await failure(hot.complete({ model: main, prompt }));
    expect(err).toMatchObject({ name: 'LlmError', kind: 'unavailable' });
    expect(pool.health(upstream as never)).toBe('down');
    expect(pool.load()[0]?.downUntil).toBeGreaterThan(Date.now());
  });
});

describe('one breaker per model for summaries and chat alike', () => {
  it('a model whose breaker chat opened is skipped by the next summary, which the fallback answers', async () => {
    const l = layer();
    ollama.failNext({ kind: 'oom', model: main, times: 2 });
    expect(await l.chat(main)).toBe(fallback);
    expect(await l.chat(main)).toBe(fallback);
    ollama.reset();
    // The breaker is open: the summary never asks the main model.
    const result = await l.hot.complete({ model: main, prompt, maxTokens: 3 });
    expect(result).toMatchObject({ model: fallback, degraded: true });
    expect(modelsAsked()).toEqual([fallback]);
  });

  it('a model whose breaker summaries opened is skipped by the next chat, which the fallback answers', async () => {
    const l = layer();
    ollama.failNext({ kind: 'oom', model: main, times: 2 });
    await l.hot.complete({ model: main, prompt, maxTokens: 3 });
    await l.hot.complete({ model: main, prompt, maxTokens: 3 });
    ollama.reset();
    expect(await l.chat(main)).toBe(fallback);
    expect(modelsAsked()).toEqual([fallback]);
    expect(l.finished.map((f) => f.operation)).toEqual([
      'summary.fallback',
      'summary.fallback',
      'openai.chat',
    ]);
  });

  it('the cold lane counts no breaker on a full GPU, and waits while chat has opened it', async () => {
    const l = layer();
    ollama.failNext({ kind: 'oom', model: main, times: 2 });
    await l.chat(main);
    await l.chat(main);
    ollama.reset();
    // Skipped by its breaker, the main model has not answered "full": the fallback may serve.
    const result = await l.cold.complete({ model: main, prompt, maxTokens: 3 });
    expect(result).toMatchObject({ model: fallback, degraded: true });
    expect(l.capacity).toEqual([`${main}:oom`, `${main}:oom`]);
  });
});
