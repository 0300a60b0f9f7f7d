import type { Config } from '@nightshift/core';
import {
  type ChainTarget,
  createExtractiveProvider,
  createModelChain,
  createOllamaProvider,
  createOpenAiProvider,
  isOllamaReachable,
  type LlmProvider,
  type ModelChain,
  type ModelChainOptions,
  Reachability,
  tracedProvider,
} from '@nightshift/llm';

/** Which provider serves this worker now (`auto` resolved). */
export type ResolvedProvider = 'ollama' | 'openai' | 'extractive';

/** Options of {@link summarizationBackend}. */
export interface SummarizationBackendOptions {
  /** Called after each failed or skipped chain attempt (metrics). */
  onFallback?: ModelChainOptions['onFallback'];
  /** Called whenever a model call answers out-of-memory or busy (the cold lane steps back). */
  onCapacityError?: ModelChainOptions['onCapacityError'];
  /** Called when `auto` switches between Ollama and the extractive summarizer (a log line). */
  onProviderChange?: (provider: ResolvedProvider) => void;
  /**
   * In `auto` mode, while Ollama is down, how long before asking it again, ms. Default 5 000:
   * a returning server is used within seconds, and a missing one costs one cheap
   * GET /api/version per interval, only while documents arrive.
   */
  recheckMs?: number;
  /** How long the reachability probe waits for Ollama, ms. Default 1 000. */
  probeTimeoutMs?: number;
}

/** The summarization side of a worker: its model chains and which provider serves now. */
export interface SummarizationBackend {
  /**
   * A chain for a main model: `[main, ...fallbacks]` on the LLM provider, then (in `auto` mode
   * only) the extractive summarizer as the last resort, marked degraded. Cached per main model
   * and lane so circuit breakers remember failures across jobs. The cold lane's chains wait on a
   * full GPU (out-of-memory, busy) instead of falling back to a smaller model.
   */
  chainFor(model: string, lane?: 'hot' | 'cold'): ModelChain;
  /** The provider serving now; in `auto` mode it follows Ollama's reachability. */
  provider(): ResolvedProvider;
  /** Resolves once the provider is known (in `auto` mode: Ollama was asked once). */
  ready(): Promise<ResolvedProvider>;
}

/**
 * Builds the worker's model chains. With `NIGHTSHIFT_PROVIDER=auto` the chain always holds the
 * Ollama targets ahead of the extractive summarizer, gated by one {@link Reachability}: while
 * Ollama does not answer, documents go straight to the extractive summarizer (degraded); once
 * it answers again (probed at most every `recheckMs`, and marked down by the first call that
 * finds it gone), the model serves, with no restart.
 *
 * @example
 * const backend = summarizationBackend(config, { onFallback: (a) => meter.fallback(a) });
 * logger.info({ provider: await backend.ready() }, 'summarization provider');
 */
export function summarizationBackend(
  config: Config,
  options: SummarizationBackendOptions = {},
): SummarizationBackend {
  const timeoutMs = config.NIGHTSHIFT_TIMEOUT_S * 1000;
  const mode = config.NIGHTSHIFT_PROVIDER;
  const extractive = createExtractiveProvider();
  // Each model call is a client span of the document's trace (when the worker traces).
  const llm: LlmProvider | null =
    mode === 'ollama' || mode === 'auto'
      ? tracedProvider(createOllamaProvider({ host: config.OLLAMA_HOST, timeoutMs }))
      : mode === 'openai'
        ? tracedProvider(
            createOpenAiProvider({
              baseUrl: config.NIGHTSHIFT_OPENAI_BASE_URL,
              timeoutMs,
              ...(config.NIGHTSHIFT_OPENAI_API_KEY
                ? { apiKey: config.NIGHTSHIFT_OPENAI_API_KEY }
                : {}),
            }),
          )
        : null;
  const probeTimeoutMs = options.probeTimeoutMs ?? 1000;
  const ollama =
    mode === 'auto'
      ? new Reachability({
          probe: () => isOllamaReachable(config.OLLAMA_HOST, probeTimeoutMs),
          ...(options.recheckMs !== undefined ? { recheckMs: options.recheckMs } : {}),
          onChange: (state) => options.onProviderChange?.(state === 'up' ? 'ollama' : 'extractive'),
        })
      : undefined;
  const provider = (): ResolvedProvider => {
    if (mode !== 'auto') return mode;
    return ollama?.state === 'up' ? 'ollama' : 'extractive';
  };

  const chains = new Map<string, ModelChain>();
  return {
    provider,
    async ready() {
      await ollama?.available();
      return provider();
    },
    chainFor(model, lane = 'hot') {
      const key = `${lane}:${model}`;
      const cached = chains.get(key);
      if (cached) return cached;
      const targets: ChainTarget[] = [];
      if (llm) {
        for (const name of [
          model,
          ...config.NIGHTSHIFT_FALLBACK_MODELS.filter((m) => m !== model),
        ]) {
          targets.push(
            ollama
              ? { provider: llm, model: name, reachability: ollama }
              : { provider: llm, model: name },
          );
        }
      }
      if (!llm || mode === 'auto') targets.push({ provider: extractive, model: 'extractive' });
      const chain = createModelChain({
        targets,
        breaker: { failureThreshold: 3, cooldownMs: 60_000 },
        ...(options.onFallback ? { onFallback: options.onFallback } : {}),
        ...(options.onCapacityError ? { onCapacityError: options.onCapacityError } : {}),
        waitOnCapacity: lane === 'cold',
      });
      chains.set(key, chain);
      return chain;
    },
  };
}
