import { fallbackKinds, type LlmError, type LlmErrorKind, toLlmError } from './errors.ts';
import type { CompletionRequest, CompletionResult, LlmProvider } from './types.ts';

/** One model on one provider, tried in chain order. */
export interface ChainTarget {
  provider: LlmProvider;
  /** Model name for that provider (`extractive` for the extractive provider). */
  model: string;
}

/** Options of {@link createModelChain}. */
export interface ModelChainOptions {
  /** Main target first, then fallbacks; the last is often the extractive provider. */
  targets: readonly ChainTarget[];
  /** Called after each failed or skipped attempt that the chain moves past (logs, metrics). */
  onFallback?: (attempt: ChainAttempt) => void;
  /**
   * When the main target answers out-of-memory or busy, throw instead of falling back: work that
   * can wait (the cold lane) waits for room on its own model rather than running on a smaller
   * one. Other failures (missing model, server down) still fall back. Default false.
   */
  waitOnCapacity?: boolean;
}

/** A call through the chain: a completion request without the model, which the chain picks. */
export type ChainRequest = Omit<CompletionRequest, 'model'>;

/** What happened to one target during a chain call. */
export interface ChainAttempt {
  /** Index of the target in the chain. */
  target: number;
  provider: string;
  model: string;
  /** Why it did not answer. */
  kind: LlmErrorKind;
  message: string;
}

/** A completion plus which target produced it. */
export interface ChainResult extends CompletionResult {
  /** True when the first target did not answer, or answered with a fallback model. */
  degraded: boolean;
  /** Index of the target that answered. */
  target: number;
  /** Targets tried (or skipped) before the one that answered. */
  attempts: ChainAttempt[];
}

/** Thrown when no target answered; `causes` lists each one's reason. */
export class AllTargetsFailedError extends Error {
  override readonly name = 'AllTargetsFailedError';
  /** One entry per target, in chain order. */
  readonly causes: ChainAttempt[];
  /**
   * True when trying again later may help (something was busy, out of memory, timed out or
   * down); false when every target said its model is missing.
   */
  readonly retryable: boolean;

  constructor(causes: ChainAttempt[]) {
    const summary = causes.map((c) => `${c.model}: ${c.kind}`).join(', ');
    super(`every model failed (${summary})`);
    this.causes = causes;
    this.retryable = causes.some((c) => c.kind !== 'missing');
  }
}

/** A provider-agnostic "complete with fallbacks" entry point. */
export interface ModelChain {
  readonly targets: readonly ChainTarget[];
  /** True when every target has no context limit (only extractive providers). */
  readonly unboundedContext: boolean;
  /** Tries the targets in order; see {@link createModelChain}. */
  complete(request: ChainRequest): Promise<ChainResult>;
}

/**
 * Tries the targets in order: on `oom`, `missing`, `busy`, `timeout` or `unavailable` it moves
 * on to the next one. Other failures (`aborted`, `bad_request`, `unknown`) are thrown as they
 * are: a different target would not fix them. A worker's chain is short: the model-access
 * layer (`gatewayProvider` in packages/gateway, which owns the model servers, the per-model
 * breakers, the fallback models and the deadlines), then, in `auto` mode, the extractive
 * summarizer as the last resort. When no target answers, throws {@link AllTargetsFailedError}.
 *
 * @example
 * const chain = createModelChain({
 *   targets: [{ provider: gatewayProvider({ gateway, clients, onCapacity: 'fallback', operation: 'summary.hot' }), model: 'qwen3:32b' }, { provider: createExtractiveProvider(), model: 'extractive' }],
 * });
 * const { text, model, degraded } = await chain.complete({ system, prompt, numCtx: 8192, maxTokens: 2048 });
 */
export function createModelChain(options: ModelChainOptions): ModelChain {
  if (options.targets.length === 0) throw new RangeError('createModelChain: no targets');
  const targets = [...options.targets];

  async function complete(request: ChainRequest): Promise<ChainResult> {
    // Built only when a target is passed over: the common call (first target answers) makes
    // no list and no closure (a chain call is per document, thousands a second).
    let attempts: ChainAttempt[] | undefined;
    for (let index = 0; index < targets.length; index++) {
      const target = targets[index] as ChainTarget;
      try {
        const result = await target.provider.complete({ ...request, model: target.model });
        return {
          text: result.text,
          model: result.model,
          usage: result.usage,
          degraded: index > 0 || result.degraded === true,
          target: index,
          attempts: attempts ?? [],
        };
      } catch (err) {
        const error: LlmError = toLlmError(err, {
          provider: target.provider.name,
          model: target.model,
        });
        const capacity = error.kind === 'oom' || error.kind === 'busy';
        if (!fallbackKinds.has(error.kind) || (capacity && index === 0 && options.waitOnCapacity))
          throw error;
        const attempt = {
          target: index,
          provider: target.provider.name,
          model: target.model,
          kind: error.kind,
          message: error.message,
        };
        options.onFallback?.(attempt);
        attempts ??= [];
        attempts.push(attempt);
      }
    }
    throw new AllTargetsFailedError(attempts ?? []);
  }

  return {
    targets,
    unboundedContext: targets.every((t) => t.provider.unboundedContext === true),
    complete,
  };
}
