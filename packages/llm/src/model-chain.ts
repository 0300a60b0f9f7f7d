import { type BreakerOptions, type BreakerSnapshot, CircuitBreaker } from './circuit-breaker.ts';
import {
  fallbackKinds,
  isConnectFailure,
  type LlmError,
  type LlmErrorKind,
  toLlmError,
} from './errors.ts';
import type { Reachability } from './reachability.ts';
import type { CompletionRequest, CompletionResult, LlmProvider } from './types.ts';

/** One model on one provider, tried in chain order. */
export interface ChainTarget {
  provider: LlmProvider;
  /** Model name for that provider (`extractive` for the extractive provider). */
  model: string;
  /**
   * Whether the target's server answers, shared by the targets on that server. While it is
   * down the target is skipped (no call, no breaker count) and a call that finds the server
   * gone marks it down; see {@link Reachability}.
   */
  reachability?: Reachability;
}

/** Options of {@link createModelChain}. */
export interface ModelChainOptions {
  /** Main target first, then fallbacks; the last is often the extractive provider. */
  targets: readonly ChainTarget[];
  /** One breaker per target with these settings. */
  breaker?: BreakerOptions;
  /** Called after each failed or skipped attempt that the chain moves past (logs, metrics). */
  onFallback?: (attempt: ChainAttempt) => void;
  /** Called whenever a target answers out-of-memory or busy: the GPU is full. */
  onCapacityError?: (error: LlmError) => void;
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
  /** Why it did not answer; `skipped` means its breaker was open or its server is down. */
  kind: LlmErrorKind | 'skipped';
  message: string;
}

/** A completion plus which target produced it. */
export interface ChainResult extends CompletionResult {
  /** True when the first target did not answer. */
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
   * True when trying again later may help (something was busy, out of memory, timed out, down
   * or skipped by a breaker); false when every target said its model is missing.
   */
  readonly retryable: boolean;
  /** Ms until the first open breaker lets a trial through, when one is open. */
  readonly retryAfterMs: number | undefined;

  constructor(causes: ChainAttempt[], retryAfterMs: number | undefined) {
    const summary = causes.map((c) => `${c.model}: ${c.kind}`).join(', ');
    super(`every model failed (${summary})`);
    this.causes = causes;
    this.retryable = causes.some((c) => c.kind !== 'missing');
    this.retryAfterMs = retryAfterMs;
  }
}

/** A provider-agnostic "complete with fallbacks" entry point. */
export interface ModelChain {
  readonly targets: readonly ChainTarget[];
  /** True when every target has no context limit (only extractive providers). */
  readonly unboundedContext: boolean;
  /** Tries the targets in order; see {@link createModelChain}. */
  complete(request: ChainRequest): Promise<ChainResult>;
  /** Breaker state per target, in chain order. */
  breakers(): BreakerSnapshot[];
}

/**
 * Tries the main target, and on `oom`, `missing`, `busy`, `timeout` or `unavailable` moves on to
 * the next one. Other failures (`aborted`, `bad_request`, `unknown`) are thrown as they are: a
 * different model would not fix them. Each target has a circuit breaker: after
 * `failureThreshold` consecutive failures it is skipped for `cooldownMs` instead of being hit
 * again. A target with a {@link ChainTarget.reachability} is skipped while its server is known
 * to be down, and tried again once a probe finds it back: a call the server never took
 * (connection refused, connect timeout: {@link isConnectFailure}) marks the server down instead
 * of counting on the breaker, so the chain returns to the model as soon as the server answers
 * rather than after a cooldown. Anything the server answered (a 500 included) counts against
 * that model's breaker only, and the next model on the same server is tried. When no target answers, throws
 * {@link AllTargetsFailedError}.
 *
 * @example
 * const chain = createModelChain({
 *   targets: [{ provider: ollama, model: 'qwen3:32b' }, { provider: ollama, model: 'qwen2:7b' }, { provider: createExtractiveProvider(), model: 'extractive' }],
 *   breaker: { failureThreshold: 3, cooldownMs: 60_000 },
 * });
 * const { text, model, degraded } = await chain.complete({ system, prompt, numCtx: 8192, maxTokens: 2048 });
 */
export function createModelChain(options: ModelChainOptions): ModelChain {
  if (options.targets.length === 0) throw new RangeError('createModelChain: no targets');
  const targets = [...options.targets];
  const breakers = targets.map(() => new CircuitBreaker(options.breaker));
  const now = options.breaker?.now ?? Date.now;

  async function complete(request: ChainRequest): Promise<ChainResult> {
    // Built only when a target is passed over: the common call (first target answers) makes
    // no list and no closure (a chain call is per document, thousands a second).
    let attempts: ChainAttempt[] | undefined;
    for (let index = 0; index < targets.length; index++) {
      const target = targets[index] as ChainTarget;
      const breaker = breakers[index] as CircuitBreaker;
      const reachable = target.reachability?.available() ?? true;
      if (reachable !== true && !(await reachable)) {
        attempts = noteAttempt(attempts, target, index, 'skipped', 'server unreachable');
        continue;
      }
      if (!breaker.tryAcquire()) {
        attempts = noteAttempt(attempts, target, index, 'skipped', 'circuit breaker open');
        continue;
      }
      try {
        const result = await target.provider.complete({ ...request, model: target.model });
        breaker.succeeded();
        target.reachability?.markUp();
        return {
          text: result.text,
          model: result.model,
          usage: result.usage,
          degraded: index > 0,
          target: index,
          attempts: attempts ?? [],
        };
      } catch (err) {
        const error = toLlmError(err, { provider: target.provider.name, model: target.model });
        const capacity = error.kind === 'oom' || error.kind === 'busy';
        if (capacity) options.onCapacityError?.(error);
        // A full GPU is no fault of the model: its breaker does not count it.
        if (!fallbackKinds.has(error.kind) || (capacity && index === 0 && options.waitOnCapacity)) {
          breaker.released();
          throw error;
        }
        // Only a server that never took the call is down (every model on it skipped); an
        // answer from it, a 500 included, is this model's failure: its breaker, then fallbacks.
        if (target.reachability && isConnectFailure(error)) {
          target.reachability.markDown();
          breaker.released();
        } else {
          breaker.failed();
        }
        attempts = noteAttempt(attempts, target, index, error.kind, error.message);
      }
    }
    const retryAts = breakers
      .map((b) => b.snapshot().retryAt)
      .filter((t): t is number => t !== undefined);
    const retryAfterMs =
      retryAts.length > 0 ? Math.max(0, Math.min(...retryAts) - now()) : undefined;
    throw new AllTargetsFailedError(attempts ?? [], retryAfterMs);
  }

  /** Adds a passed-over target to the call's attempts and tells `onFallback`. */
  function noteAttempt(
    attempts: ChainAttempt[] | undefined,
    target: ChainTarget,
    index: number,
    kind: ChainAttempt['kind'],
    message: string,
  ): ChainAttempt[] {
    const attempt = {
      target: index,
      provider: target.provider.name,
      model: target.model,
      kind,
      message,
    };
    options.onFallback?.(attempt);
    const list = attempts ?? [];
    list.push(attempt);
    return list;
  }

  return {
    targets,
    unboundedContext: targets.every((t) => t.provider.unboundedContext === true),
    complete,
    breakers: () => breakers.map((b) => b.snapshot()),
  };
}
