import { prometheusSamples, readMetricsText } from './prometheus-text.ts';

/**
 * The model server's own view of its load, read from its Prometheus `/metrics`: requests running
 * and waiting inside the server and how full its KV cache is. vLLM and SGLang reserve most of
 * the card at start, so nvidia-smi's free memory says nothing about their load; these gauges do.
 */

/** What a continuous-batching server reports about its load, summed over its models. */
export interface ServerLoad {
  /** Requests in the running batch (`vllm:num_requests_running`, `sglang:num_running_reqs`). */
  running: number;
  /** Requests queued inside the server (`vllm:num_requests_waiting`, `sglang:num_queue_reqs`). */
  waiting: number;
  /** Share of the KV cache in use, 0..1, the fullest engine's; null when not reported. */
  kvUsage: number | null;
  /** Tokens generated since the server started (a counter); null when not reported. */
  generatedTokens: number | null;
}

/** One reading of a server's load; `unknown` when `/metrics` could not be read or parsed. */
export type ServerLoadReading =
  | { status: 'ok'; load: ServerLoad; at: Date }
  | { status: 'unknown'; reason: string; at: Date };

/** A source of {@link ServerLoadReading}s. `read()` never throws. */
export interface ServerLoadProbe {
  /** The metrics URL it reads. */
  readonly url: string;
  read(): Promise<ServerLoadReading>;
}

/** Each figure's series, newest name first: vLLM renamed its KV gauge in 0.10. */
const seriesOf = {
  running: ['vllm:num_requests_running', 'sglang:num_running_reqs'],
  waiting: ['vllm:num_requests_waiting', 'sglang:num_queue_reqs'],
  kvUsage: ['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc', 'sglang:token_usage'],
  generatedTokens: ['vllm:generation_tokens_total', 'sglang:generation_tokens_total'],
} as const;

/**
 * Reads the load figures out of a Prometheus text exposition. Counts add up over the series of
 * one name (one per model or engine); KV usage takes the fullest. Returns null when the text
 * has neither a running nor a waiting gauge: it is not a vLLM or SGLang server.
 *
 * @example
 * parseServerLoad('vllm:num_requests_running{model_name="m"} 3.0\nvllm:num_requests_waiting{model_name="m"} 0.0');
 * // { running: 3, waiting: 0, kvUsage: null, generatedTokens: null }
 */
export function parseServerLoad(text: string): ServerLoad | null {
  const sums = new Map<string, number>();
  const maxima = new Map<string, number>();
  for (const { name, value } of prometheusSamples(text)) {
    sums.set(name, (sums.get(name) ?? 0) + value);
    maxima.set(name, Math.max(maxima.get(name) ?? value, value));
  }
  const first = (names: readonly string[], from: Map<string, number>) => {
    for (const name of names) {
      const value = from.get(name);
      if (value !== undefined) return value;
    }
    return null;
  };
  const running = first(seriesOf.running, sums);
  const waiting = first(seriesOf.waiting, sums);
  if (running === null && waiting === null) return null;
  return {
    running: running ?? 0,
    waiting: waiting ?? 0,
    kvUsage: first(seriesOf.kvUsage, maxima),
    generatedTokens: first(seriesOf.generatedTokens, sums),
  };
}

/** Options of {@link createServerLoadProbe}. */
export interface ServerLoadProbeOptions {
  /** The server's metrics URL, e.g. `http://127.0.0.1:8000/metrics`. */
  url: string;
  /** A slower answer is `unknown`. Default 1000 ms. */
  timeoutMs?: number;
  /**
   * A reading younger than this is reused, and callers arriving while one is taken share it.
   * Default 0 (every call reads).
   */
  cacheMs?: number;
}

/**
 * Reads a vLLM or SGLang server's `/metrics`.
 *
 * @example
 * const probe = createServerLoadProbe({ url: 'http://127.0.0.1:8000/metrics' });
 * const reading = await probe.read(); // { status: 'ok', load: { running: 12, waiting: 0, … } }
 */
export function createServerLoadProbe(options: ServerLoadProbeOptions): ServerLoadProbe {
  const { url } = options;
  const timeoutMs = options.timeoutMs ?? 1000;
  const unknown = (reason: string): ServerLoadReading => ({
    status: 'unknown',
    reason,
    at: new Date(),
  });
  const cacheMs = options.cacheMs ?? 0;
  let last: { reading: ServerLoadReading; takenAt: number } | undefined;
  let inFlight: Promise<ServerLoadReading> | undefined;
  const take = async (): Promise<ServerLoadReading> => {
    const page = await readMetricsText(url, { timeoutMs });
    if (!page.ok) return unknown(page.reason);
    const load = parseServerLoad(page.text);
    if (!load) return unknown(`${url} reports no running or waiting requests`);
    return { status: 'ok', load, at: new Date() };
  };
  return {
    url,
    read() {
      if (last && Date.now() - last.takenAt < cacheMs) return Promise.resolve(last.reading);
      inFlight ??= take().then((reading) => {
        last = { reading, takenAt: Date.now() };
        inFlight = undefined;
        return reading;
      });
      return inFlight;
    },
  };
}

/**
 * The metrics URL of an OpenAI-compatible server, from its base URL: vLLM and SGLang serve
 * `/metrics` at the root, beside `/v1`.
 *
 * @example
 * metricsUrlOf('http://gpu-1:8000/v1'); // 'http://gpu-1:8000/metrics'
 */
export function metricsUrlOf(openAiBaseUrl: string): string {
  const url = new URL(openAiBaseUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '')}/metrics`;
  url.search = '';
  return url.toString();
}

/**
 * Where a model server's load is read: its upstream's `metricsUrl` (`none`: nowhere), else,
 * for an OpenAI-compatible server, the `/metrics` beside its base URL; Ollama has none.
 *
 * @example
 * metricsUrlFor({ kind: 'openai', url: 'http://gpu-1:8000/v1' }); // 'http://gpu-1:8000/metrics'
 */
export function metricsUrlFor(server: {
  kind: 'ollama' | 'openai';
  url: string;
  metricsUrl?: string | undefined;
}): string | undefined {
  if (server.metricsUrl === 'none') return undefined;
  return server.metricsUrl ?? (server.kind === 'openai' ? metricsUrlOf(server.url) : undefined);
}
