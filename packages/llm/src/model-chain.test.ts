import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LlmError } from './errors.ts';
import { createExtractiveProvider } from './extractive.ts';
import { AllTargetsFailedError, createModelChain } from './model-chain.ts';
import { createOllamaProvider, isOllamaReachable } from './ollama-provider.ts';
import { Reachability } from './reachability.ts';
import type { LlmProvider } from './types.ts';

const main = 'qwen3:32b';
const fallback = 'qwen2:7b';
const prompt =
  'The scheduler admitted a fourth long document. The card ran out of memory within seconds. The worker now checks free memory first.';

describe('model chain over the stand-in', () => {
  let ollama: OllamaStandIn;
  let provider: LlmProvider;

  beforeAll(async () => {
    ollama = await startOllamaStandIn();
    provider = createOllamaProvider({ host: ollama.url, timeoutMs: 500 });
  });
  afterEach(() => ollama.reset());
  afterAll(() => ollama.close());

  const twoModels = () =>
    createModelChain({
      targets: [
        { provider, model: main },
        { provider, model: fallback },
      ],
    });
  const modelsAsked = () => ollama.requests.map((r) => r.model);

  it('answers from the main model when it is healthy', async () => {
    const result = await twoModels().complete({ prompt, maxTokens: 3 });
    expect(result).toMatchObject({
      text: 'The scheduler admitted',
      model: main,
      degraded: false,
      target: 0,
    });
    expect(modelsAsked()).toEqual([main]);
  });

  it.each([
    ['oom', {}],
    ['missing', {}],
    ['busy', {}],
    ['stream_error', {}],
    ['slow', { delayMs: 30_000 }],
  ] as const)('falls back on %s', async (kind, extra) => {
    ollama.failNext({ kind, model: main, ...extra });
    const result = await twoModels().complete({ prompt, maxTokens: 3 });
    expect(result).toMatchObject({ model: fallback, degraded: true, target: 1 });
    const expected = kind === 'slow' ? 'timeout' : kind === 'stream_error' ? 'oom' : kind;
    expect(result.attempts).toEqual([expect.objectContaining({ model: main, kind: expected })]);
    expect(modelsAsked()).toEqual([main, fallback]);
  });

  it.each(['oom', 'busy'] as const)(
    'waits on a full GPU (%s) instead of falling back, when asked to; still falls back on a missing model',
    async (kind) => {
      const capacity: LlmError[] = [];
      const chain = createModelChain({
        targets: [
          { provider, model: main },
          { provider, model: fallback },
        ],
        waitOnCapacity: true,
        onCapacityError: (error) => capacity.push(error),
      });
      ollama.failNext({ kind, model: main });
      await expect(chain.complete({ prompt, maxTokens: 3 })).rejects.toMatchObject({ kind });
      expect(modelsAsked()).toEqual([main]);
      expect(capacity.map((e) => e.kind)).toEqual([kind]);
      // A full GPU does not open the main model's breaker: the next call goes to it again.
      for (let i = 0; i < 3; i++) {
        ollama.failNext({ kind, model: main });
        await chain.complete({ prompt, maxTokens: 3 }).catch(() => undefined);
      }
      expect((await chain.complete({ prompt, maxTokens: 3 })).model).toBe(main);
      ollama.failNext({ kind: 'missing', model: main });
      expect((await chain.complete({ prompt, maxTokens: 3 })).model).toBe(fallback);
    },
  );

  it('ends at the extractive provider when every model fails', async () => {
    ollama.failNext({ kind: 'oom', times: 2 });
    const chain = createModelChain({
      targets: [
        { provider, model: main },
        { provider, model: fallback },
        { provider: createExtractiveProvider(), model: 'extractive' },
      ],
    });
    const result = await chain.complete({ prompt, summary: { maxWords: 12 } });
    expect(result).toMatchObject({ model: 'extractive', degraded: true, target: 2 });
    expect(result.text.length).toBeGreaterThan(0);
    expect(result.attempts.map((a) => a.kind)).toEqual(['oom', 'oom']);
  });

  it('throws AllTargetsFailedError with every cause', async () => {
    ollama.failNext({ kind: 'busy', model: main });
    ollama.failNext({ kind: 'missing', model: fallback });
    const err = await twoModels()
      .complete({ prompt })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AllTargetsFailedError);
    const failed = err as AllTargetsFailedError;
    expect(failed.causes.map((c) => [c.model, c.kind])).toEqual([
      [main, 'busy'],
      [fallback, 'missing'],
    ]);
    expect(failed.retryable).toBe(true);

    ollama.failNext({ kind: 'missing', times: 2 });
    const missing = (await twoModels()
      .complete({ prompt })
      .catch((e: unknown) => e)) as AllTargetsFailedError;
    expect(missing.retryable).toBe(false);
  });

  it('propagates caller aborts and bad requests without falling back', async () => {
    const controller = new AbortController();
    controller.abort();
    const aborted = await twoModels()
      .complete({ prompt, signal: controller.signal })
      .catch((e: unknown) => e);
    expect(aborted).toBeInstanceOf(LlmError);
    expect((aborted as LlmError).kind).toBe('aborted');

    const rejecting: LlmProvider = {
      name: 'strict',
      complete: async () => {
        throw new LlmError('bad_request', 'prompt rejected');
      },
    };
    const chain = createModelChain({
      targets: [
        { provider: rejecting, model: 'x' },
        { provider, model: fallback },
      ],
    });
    await expect(chain.complete({ prompt })).rejects.toMatchObject({ kind: 'bad_request' });
    expect(modelsAsked()).toEqual([]);
  });

  it('opens a breaker after N failures, skips the target during the cooldown, then tries once', async () => {
    let now = 1_000_000;
    const chain = createModelChain({
      targets: [
        { provider, model: main },
        { provider, model: fallback },
      ],
      breaker: { failureThreshold: 2, cooldownMs: 60_000, now: () => now },
    });
    ollama.failNext({ kind: 'oom', model: main, times: 10 });
    await chain.complete({ prompt });
    await chain.complete({ prompt });
    expect(chain.breakers()[0]).toMatchObject({
      state: 'open',
      consecutiveFailures: 2,
      retryAt: now + 60_000,
    });
    expect(modelsAsked()).toEqual([main, fallback, main, fallback]);

    ollama.reset();
    const skipped = await chain.complete({ prompt });
    expect(skipped.attempts).toEqual([expect.objectContaining({ model: main, kind: 'skipped' })]);
    expect(modelsAsked()).toEqual([fallback]);

    now += 60_000;
    expect(chain.breakers()[0]?.state).toBe('half_open');
    ollama.failNext({ kind: 'oom', model: main });
    await chain.complete({ prompt });
    expect(chain.breakers()[0]).toMatchObject({ state: 'open', retryAt: now + 60_000 });

    now += 60_000;
    ollama.reset();
    const healed = await chain.complete({ prompt });
    expect(healed).toMatchObject({ model: main, degraded: false });
    expect(chain.breakers()[0]).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
  });

  it('reports when the earliest breaker reopens if everything is skipped or failing', async () => {
    let now = 0;
    const chain = createModelChain({
      targets: [{ provider, model: main }],
      breaker: { failureThreshold: 1, cooldownMs: 5000, now: () => now },
    });
    ollama.failNext({ kind: 'busy' });
    await expect(chain.complete({ prompt })).rejects.toBeInstanceOf(AllTargetsFailedError);
    now = 1000;
    const err = (await chain
      .complete({ prompt })
      .catch((e: unknown) => e)) as AllTargetsFailedError;
    expect(err.causes[0]?.kind).toBe('skipped');
    expect(err.retryAfterMs).toBe(4000);
    expect(ollama.requests).toHaveLength(1);
  });

  it('reads a generic 500 from one model as that model failing, not its server: the fallback on the same server answers', async () => {
    // One Ollama serves both models, as in the default set-up (NIGHTSHIFT_PROVIDER=auto).
    const server = new Reachability({ probe: () => isOllamaReachable(ollama.url, 1000) });
    const chain = createModelChain({
      targets: [
        { provider, model: main, reachability: server },
        { provider, model: fallback, reachability: server },
        { provider: createExtractiveProvider(), model: 'extractive' },
      ],
    });
    ollama.failNext({
      kind: 'oom',
      model: main,
      message: 'error loading model /root/.ollama/blobs/sha256-9f',
    });
    const result = await chain.complete({ prompt, maxTokens: 3 });
    expect(result).toMatchObject({ model: fallback, degraded: true, target: 1 });
    expect(result.attempts).toEqual([
      expect.objectContaining({ model: main, kind: 'unavailable' }),
    ]);
    expect(server.state).toBe('up');
    expect(chain.breakers()[0]).toMatchObject({ consecutiveFailures: 1 });
    // The main model is asked again on the next call (one failure opens no breaker).
    expect((await chain.complete({ prompt, maxTokens: 3 })).model).toBe(main);
  });

  it('marks the server down only when it refuses the connection', async () => {
    const gone = createOllamaProvider({ host: 'http://127.0.0.1:1', timeoutMs: 500 });
    const server = new Reachability({ probe: async () => false });
    server.markUp(); // it answered before; this call finds it gone
    const chain = createModelChain({
      targets: [
        { provider: gone, model: main, reachability: server },
        { provider: gone, model: fallback, reachability: server },
        { provider: createExtractiveProvider(), model: 'extractive' },
      ],
    });
    const result = await chain.complete({ prompt, summary: { maxWords: 12 } });
    expect(result.model).toBe('extractive');
    expect(result.attempts.map((a) => [a.model, a.kind])).toEqual([
      [main, 'unavailable'],
      [fallback, 'skipped'],
    ]);
    expect(server.state).toBe('down');
  });
});
