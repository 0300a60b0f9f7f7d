import { describe, expect, it } from 'vitest';
import { LlmError, type LlmErrorKind } from './errors.ts';
import { createExtractiveProvider } from './extractive.ts';
import { AllTargetsFailedError, createModelChain } from './model-chain.ts';
import type { LlmProvider } from './types.ts';

// The chain only orders providers; the model servers, breakers and fallback models belong to
// the model-access layer (packages/gateway `gatewayProvider`, tested there over the stand-in).
const prompt =
  'The scheduler admitted a fourth long document. The card ran out of memory within seconds. The worker now checks free memory first.';

/** A provider that fails with `kinds` in turn, then answers (as the layer would, degraded or not). */
function scripted(kinds: LlmErrorKind[], degraded = false) {
  const asked: string[] = [];
  const provider: LlmProvider = {
    name: 'layer',
    async complete(request) {
      asked.push(request.model);
      const kind = kinds.shift();
      if (kind) throw new LlmError(kind, `${request.model}: ${kind}`, { model: request.model });
      return {
        text: request.prompt.split(' ').slice(0, 3).join(' '),
        model: degraded ? 'qwen2:7b' : request.model,
        usage: { promptTokens: 3, completionTokens: 3 },
        ...(degraded ? { degraded: true } : {}),
      };
    },
  };
  return { provider, asked };
}

const extractive = { provider: createExtractiveProvider(), model: 'extractive' };

describe('model chain', () => {
  it('answers from the first target, and carries the layer’s own fallback as degraded', async () => {
    const layer = scripted([]);
    const chain = createModelChain({ targets: [{ provider: layer.provider, model: 'qwen3:32b' }] });
    expect(await chain.complete({ prompt })).toMatchObject({
      model: 'qwen3:32b',
      degraded: false,
      target: 0,
      attempts: [],
    });
    const fellBack = scripted([], true);
    const degraded = createModelChain({
      targets: [{ provider: fellBack.provider, model: 'qwen3:32b' }],
    });
    expect(await degraded.complete({ prompt })).toMatchObject({
      model: 'qwen2:7b',
      degraded: true,
    });
  });

  it.each(['oom', 'missing', 'busy', 'timeout', 'unavailable'] as const)(
    'moves on to the extractive summarizer on %s',
    async (kind) => {
      const layer = scripted([kind]);
      const fallbacks: string[] = [];
      const chain = createModelChain({
        targets: [{ provider: layer.provider, model: 'qwen3:32b' }, extractive],
        onFallback: (attempt) => fallbacks.push(`${attempt.model}:${attempt.kind}`),
      });
      const result = await chain.complete({ prompt, summary: { maxWords: 12 } });
      expect(result).toMatchObject({ model: 'extractive', degraded: true, target: 1 });
      expect(result.text.length).toBeGreaterThan(0);
      expect(fallbacks).toEqual([`qwen3:32b:${kind}`]);
    },
  );

  it.each(['oom', 'busy'] as const)(
    'waits on a full GPU (%s) instead of going extractive when asked to; a server down still goes',
    async (kind) => {
      const layer = scripted([kind, 'unavailable']);
      const chain = createModelChain({
        targets: [{ provider: layer.provider, model: 'qwen3:32b' }, extractive],
        waitOnCapacity: true,
      });
      await expect(chain.complete({ prompt })).rejects.toMatchObject({ kind });
      expect((await chain.complete({ prompt })).model).toBe('extractive');
    },
  );

  it('throws AllTargetsFailedError with every cause, retryable unless every model is missing', async () => {
    const busy = scripted(['busy']);
    const err = await createModelChain({ targets: [{ provider: busy.provider, model: 'm' }] })
      .complete({ prompt })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AllTargetsFailedError);
    expect((err as AllTargetsFailedError).causes.map((c) => c.kind)).toEqual(['busy']);
    expect((err as AllTargetsFailedError).retryable).toBe(true);
    const missing = scripted(['missing']);
    const gone = (await createModelChain({ targets: [{ provider: missing.provider, model: 'm' }] })
      .complete({ prompt })
      .catch((e: unknown) => e)) as AllTargetsFailedError;
    expect(gone.retryable).toBe(false);
  });

  it('propagates aborts and bad requests without moving on', async () => {
    for (const kind of ['aborted', 'bad_request'] as const) {
      const layer = scripted([kind]);
      const chain = createModelChain({
        targets: [{ provider: layer.provider, model: 'qwen3:32b' }, extractive],
      });
      await expect(chain.complete({ prompt })).rejects.toMatchObject({ kind });
    }
  });
});
