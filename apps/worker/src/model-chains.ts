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
} from '@nightshift/llm';

/** Which provider serves this worker, after `auto` was resolved. */
export type ResolvedProvider = 'ollama' | 'openai' | 'extractive';

/**
 * Resolves `NIGHTSHIFT_PROVIDER=auto`: Ollama when its server answers at start-up, else the
 * built-in extractive summarizer (so `npm start` works on a machine without a GPU).
 */
export async function resolveProvider(config: Config): Promise<ResolvedProvider> {
  if (config.NIGHTSHIFT_PROVIDER !== 'auto') return config.NIGHTSHIFT_PROVIDER;
  return (await isOllamaReachable(config.OLLAMA_HOST, 1500)) ? 'ollama' : 'extractive';
}

/**
 * A chain factory: for a main model, `[main, ...fallbacks]` on the LLM provider, then (in
 * `auto` mode only) the extractive summarizer as the last resort, marked degraded. Chains are
 * cached per main model so circuit breakers remember failures across jobs.
 */
export function modelChains(
  config: Config,
  provider: ResolvedProvider,
  onFallback?: ModelChainOptions['onFallback'],
): (model: string) => ModelChain {
  const timeoutMs = config.NIGHTSHIFT_TIMEOUT_S * 1000;
  const extractive = createExtractiveProvider();
  const llm: LlmProvider | null =
    provider === 'ollama'
      ? createOllamaProvider({ host: config.OLLAMA_HOST, timeoutMs })
      : provider === 'openai'
        ? createOpenAiProvider({
            baseUrl: config.NIGHTSHIFT_OPENAI_BASE_URL,
            timeoutMs,
            ...(config.NIGHTSHIFT_OPENAI_API_KEY
              ? { apiKey: config.NIGHTSHIFT_OPENAI_API_KEY }
              : {}),
          })
        : null;
  const chains = new Map<string, ModelChain>();
  return (model) => {
    const cached = chains.get(model);
    if (cached) return cached;
    const targets: ChainTarget[] = [];
    if (llm) {
      for (const name of [model, ...config.NIGHTSHIFT_FALLBACK_MODELS.filter((m) => m !== model)]) {
        targets.push({ provider: llm, model: name });
      }
    }
    if (!llm || config.NIGHTSHIFT_PROVIDER === 'auto') {
      targets.push({ provider: extractive, model: 'extractive' });
    }
    const chain = createModelChain({
      targets,
      breaker: { failureThreshold: 3, cooldownMs: 60_000 },
      ...(onFallback ? { onFallback } : {}),
    });
    chains.set(model, chain);
    return chain;
  };
}
