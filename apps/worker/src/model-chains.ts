import type { Config } from '@nightshift/core';
import { gatewayProvider } from '@nightshift/gateway';
import { COLD_PRIORITY } from '@nightshift/lanes';
import {
  type ChainTarget,
  createExtractiveProvider,
  createModelChain,
  type LlmProvider,
  type ModelChain,
  type ModelChainOptions,
  tracedProvider,
} from '@nightshift/llm';
import type { WorkerModelLayer } from './model-layer.ts';

/** Which provider serves this worker now (`auto` resolved). */
export type ResolvedProvider = 'ollama' | 'openai' | 'extractive';

/** Options of {@link summarizationBackend}. */
export interface SummarizationBackendOptions {
  /** Called when the chain passes over the layer to the extractive summarizer (metrics). */
  onFallback?: ModelChainOptions['onFallback'];
}

/** The summarization side of a worker: its model chains and which provider serves now. */
export interface SummarizationBackend {
  /**
   * A chain for a main model: the model-access layer (the model, then its fallbacks, each with
   * its breaker, on the servers that have it), then (in `auto` mode only) the extractive
   * summarizer as the last resort, marked degraded. Cached per main model and lane. The cold
   * lane's chains wait on a full GPU (out-of-memory, busy) instead of falling back to a smaller
   * model.
   */
  chainFor(model: string, lane?: 'hot' | 'cold'): ModelChain;
  /** The provider serving now; in `auto` mode it follows the model servers' health. */
  provider(): ResolvedProvider;
  /** Resolves once the provider is known (in `auto` mode: each model server was asked once). */
  ready(): Promise<ResolvedProvider>;
}

/**
 * Builds the worker's summary chains over its model layer. With `NIGHTSHIFT_PROVIDER=auto` the
 * chain holds the layer ahead of the extractive summarizer: while no model server answers
 * (the layer's pool skips a server that refused a connection for 5 s, then asks it again),
 * documents go straight to the extractive summarizer (degraded); once one answers again, the
 * model serves, with no restart. `extractive` uses no model server at all.
 *
 * @example
 * const backend = summarizationBackend(config, layer, { onFallback: (a) => meter.fallback(a) });
 * logger.info({ provider: await backend.ready() }, 'summarization provider');
 */
export function summarizationBackend(
  config: Config,
  layer: WorkerModelLayer,
  options: SummarizationBackendOptions = {},
): SummarizationBackend {
  const mode = config.NIGHTSHIFT_PROVIDER;
  const extractive = createExtractiveProvider();
  const upstreams = mode === 'extractive' ? [] : layer.pool.upstreams;
  const kinds = [...new Set(upstreams.map((u) => u.kind))];
  const name = kinds.length === 1 ? (kinds[0] as string) : 'gateway';
  // Each model call is a client span of the document's trace (when the worker traces).
  const laneProvider = (lane: 'hot' | 'cold'): LlmProvider =>
    tracedProvider(
      gatewayProvider({
        gateway: layer.gateway,
        clients: layer.clients,
        onCapacity: lane === 'cold' ? 'wait' : 'fallback',
        operation: `summary.${lane}`,
        name,
        // Cold calls take a place on one of their model's servers and yield chat the schedule.
        ...(lane === 'cold' ? { capacity: layer.coldCapacity, priority: COLD_PRIORITY } : {}),
      }),
    );
  const providers =
    upstreams.length > 0 ? { hot: laneProvider('hot'), cold: laneProvider('cold') } : undefined;
  const provider = (): ResolvedProvider => {
    if (mode !== 'auto') return mode;
    const up = upstreams.find((u) => layer.pool.health(u) === 'up');
    return up ? up.kind : 'extractive';
  };

  const chains = new Map<string, ModelChain>();
  return {
    provider,
    async ready() {
      if (mode === 'auto') await layer.pool.check();
      return provider();
    },
    chainFor(model, lane = 'hot') {
      const key = `${lane}:${model}`;
      const cached = chains.get(key);
      if (cached) return cached;
      const targets: ChainTarget[] = [];
      if (providers) targets.push({ provider: providers[lane], model });
      if (!providers || mode === 'auto')
        targets.push({ provider: extractive, model: 'extractive' });
      const chain = createModelChain({
        targets,
        ...(options.onFallback ? { onFallback: options.onFallback } : {}),
        waitOnCapacity: lane === 'cold',
      });
      chains.set(key, chain);
      return chain;
    },
  };
}
