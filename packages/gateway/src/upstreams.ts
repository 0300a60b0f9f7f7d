import type { Config, UpstreamSpec } from '@nightshift/core';

/** One model server as the gateway uses it: its spec with every default filled in. */
export interface Upstream extends UpstreamSpec {
  /** Stable name for logs and metrics: `<kind>@<host>`. */
  id: string;
  slots: number;
}

/** The configuration the upstream list is read from. */
export type UpstreamConfig = Pick<
  Config,
  | 'NIGHTSHIFT_UPSTREAMS'
  | 'NIGHTSHIFT_PROVIDER'
  | 'OLLAMA_HOST'
  | 'NIGHTSHIFT_OPENAI_BASE_URL'
  | 'NIGHTSHIFT_OPENAI_API_KEY'
  | 'NIGHTSHIFT_NUM_CTX'
  | 'NIGHTSHIFT_MODEL'
  | 'NIGHTSHIFT_FALLBACK_MODELS'
  | 'NIGHTSHIFT_GATEWAY_FALLBACKS'
  | 'NIGHTSHIFT_SERVER_METRICS_URL'
>;

// Ollama runs up to 4 requests per model by default (OLLAMA_NUM_PARALLEL); vLLM's default
// --max-num-seqs is far higher, so an OpenAI-compatible server is balanced by a wider figure.
const defaultSlots = { ollama: 4, openai: 64 } as const;

/**
 * The gateway's upstreams: `NIGHTSHIFT_UPSTREAMS` when set; otherwise the one server the
 * provider settings already name (so a single-`OLLAMA_HOST` setup needs nothing new), serving
 * every model it lists. The extractive provider has no model server: no upstream.
 *
 * @example
 * upstreamsFrom(config) // [{ id: 'ollama@127.0.0.1:11434', kind: 'ollama', models: ['*'], slots: 4, … }]
 */
export function upstreamsFrom(config: UpstreamConfig): Upstream[] {
  const specs: UpstreamSpec[] =
    config.NIGHTSHIFT_UPSTREAMS ??
    (config.NIGHTSHIFT_PROVIDER === 'extractive'
      ? []
      : config.NIGHTSHIFT_PROVIDER === 'openai'
        ? [
            {
              kind: 'openai',
              url: config.NIGHTSHIFT_OPENAI_BASE_URL,
              models: ['*'],
              ...(config.NIGHTSHIFT_OPENAI_API_KEY
                ? { apiKey: config.NIGHTSHIFT_OPENAI_API_KEY }
                : {}),
            },
          ]
        : [{ kind: 'ollama', url: config.OLLAMA_HOST, models: ['*'] }]);
  // The deprecated NIGHTSHIFT_SERVER_METRICS_URL named the metrics of the one server there was.
  const oldMetricsUrl = specs.length === 1 ? config.NIGHTSHIFT_SERVER_METRICS_URL : undefined;
  return specs.map((spec) => ({
    ...spec,
    ...(oldMetricsUrl && spec.metricsUrl === undefined ? { metricsUrl: oldMetricsUrl } : {}),
    id: `${spec.kind}@${new URL(spec.url).host}`,
    slots: spec.slots ?? defaultSlots[spec.kind],
    // Ollama cuts a longer prompt silently at its num_ctx: refuse it instead, at the window
    // the summaries use. OpenAI-compatible servers refuse it themselves (vLLM: 400).
    contextTokens:
      spec.contextTokens ?? (spec.kind === 'ollama' ? config.NIGHTSHIFT_NUM_CTX : undefined),
  }));
}

/**
 * Fallbacks per requested model: `NIGHTSHIFT_GATEWAY_FALLBACKS`, else the summaries' chain
 * (`NIGHTSHIFT_MODEL` → `NIGHTSHIFT_FALLBACK_MODELS`).
 */
export function fallbacksFrom(config: UpstreamConfig): ReadonlyMap<string, readonly string[]> {
  const chains = config.NIGHTSHIFT_GATEWAY_FALLBACKS ?? {
    [config.NIGHTSHIFT_MODEL]: config.NIGHTSHIFT_FALLBACK_MODELS,
  };
  return new Map(
    Object.entries(chains).map(([model, next]) => [model, next.filter((m) => m !== model)]),
  );
}
