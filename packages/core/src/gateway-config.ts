import { z } from 'zod';

/**
 * One model server behind the gateway, as `NIGHTSHIFT_UPSTREAMS` lists it.
 *
 * @example
 * { "kind": "openai", "url": "http://vllm:8000/v1", "models": ["llama3.1:8b"], "slots": 64 }
 */
export const upstreamSchema = z.strictObject({
  /** `ollama`: an Ollama server (its native API and its `/v1` compatibility layer); `openai`: vLLM, SGLang, llama.cpp's server or any OpenAI-compatible server. */
  kind: z.enum(['ollama', 'openai']),
  /** Ollama: the host (`http://gpu1:11434`); OpenAI-compatible: the base URL with `/v1`. */
  url: z.string().url(),
  /** Model names it serves; `*` means whatever it lists itself (Ollama `/api/tags`, OpenAI `/models`). */
  models: z.array(z.string().min(1)).min(1).default(['*']),
  /** Requests it runs at once (Ollama's `OLLAMA_NUM_PARALLEL`, vLLM's `--max-num-seqs`): balancing counts free slots. */
  slots: z.number().int().min(1).max(4096).optional(),
  /** Bearer key the server expects, if any. */
  apiKey: z.string().min(1).optional(),
  /** Context window in tokens: a longer prompt is refused with 400 before it is sent. */
  contextTokens: z.number().int().min(1).optional(),
  /**
   * Dialects the server speaks natively besides its kind's, whose calls pass through to it
   * untranslated. `anthropic`: Anthropic Messages at `<host>/v1/messages` (Ollama ≥ 0.14,
   * llama.cpp's server), `<host>` being `url` without a trailing `/v1`. Default: none.
   */
  dialects: z.array(z.enum(['anthropic'])).optional(),
  /**
   * How the server shares its GPU between requests, which decides how cold work shares it with
   * chat. `continuous` (vLLM, SGLang): one running batch that a new request joins at the next
   * step; cold work keeps `maxSequences − chatReserve` sequences there and steps back whenever
   * requests wait inside the server (`/metrics`). `slots` (Ollama, llama.cpp): fixed parallel
   * slots with a FIFO queue; cold work never holds more than `slots`, less the chats running
   * there. Default: `slots` for `ollama`, `continuous` for `openai`.
   */
  batching: z.enum(['continuous', 'slots']).optional(),
  /** Continuous batching: sequences the server runs at once (vLLM `--max-num-seqs`, or what its KV cache holds). Default: `slots`. */
  maxSequences: z.number().int().min(1).max(4096).optional(),
  /** Continuous batching: sequences kept free for chat. Default: a sixteenth of `maxSequences`, at least 1. */
  chatReserve: z.number().int().min(0).max(4096).optional(),
  /**
   * The server schedules by request priority (vLLM `--scheduling-policy priority`): cold calls
   * carry the lowest priority (`priority` field, lower runs first), so chat is scheduled ahead.
   */
  priorityScheduling: z.boolean().optional(),
  /**
   * The server's Prometheus metrics (vLLM, SGLang), which its cold places read to step back
   * while requests wait inside it. Default: for `openai`, the `/metrics` beside `url` (its
   * host and path less `/v1`); for `ollama`, none. `none`: not read.
   */
  metricsUrl: z.union([z.literal('none'), z.string().url()]).optional(),
  /**
   * Where the energy of the server's GPUs is read, for energy per call (GPU time per call needs
   * nothing). `"nvidia-smi"` (or `{"source": "nvidia-smi", "gpus": [...]}`): the server shares
   * a host with the worker, whose `NIGHTSHIFT_NVIDIA_SMI` is sampled for `power.draw` (W,
   * integrated; nvidia-smi's query fields have no energy counter). `{"source": "dcgm", "url":
   * "http://gpu1:9400/metrics", "gpus": [...]}`: a DCGM exporter scraped for
   * `DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION` (mJ), else `DCGM_FI_DEV_POWER_USAGE`. `gpus`: the
   * GPUs the server uses, by index (`gpu` label) or UUID; default all the source lists.
   * Unset: the server's energy is unknown (null), never 0.
   */
  energy: z
    .union([
      z.literal('nvidia-smi'),
      z.strictObject({
        source: z.literal('nvidia-smi'),
        gpus: z.array(z.string().min(1)).min(1).optional(),
      }),
      z.strictObject({
        source: z.literal('dcgm'),
        url: z.string().url(),
        gpus: z.array(z.string().min(1)).min(1).optional(),
      }),
    ])
    .optional(),
});
export type UpstreamSpec = z.output<typeof upstreamSchema>;

/** A variable that holds JSON checked by `schema`. */
const jsonOf = <T extends z.ZodType>(schema: T) =>
  z.string().transform((text, ctx): z.output<T> => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not JSON' });
      return z.NEVER;
    }
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues)
      ctx.addIssue({
        code: 'custom',
        message: `${issue.path.join('.') || '(root)'}: ${issue.message}`,
      });
    return z.NEVER;
  });

const seconds = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** The gateway's part of the configuration contract (merged into `configSchema`). */
export const gatewayConfigShape = {
  /**
   * The model servers the gateway (`/openai/v1`, `/ollama`) sends interactive calls to, as a JSON
   * array of {@link upstreamSchema}. Unset: one upstream from `NIGHTSHIFT_PROVIDER` (`OLLAMA_HOST`,
   * or `NIGHTSHIFT_OPENAI_BASE_URL` when the provider is `openai`) serving every model.
   */
  NIGHTSHIFT_UPSTREAMS: jsonOf(z.array(upstreamSchema).min(1)).optional(),
  /**
   * Fallback chain per requested model, as JSON `{"model": ["fallback", …]}`. Unset:
   * `NIGHTSHIFT_MODEL` falls back to `NIGHTSHIFT_FALLBACK_MODELS`.
   */
  NIGHTSHIFT_GATEWAY_FALLBACKS: jsonOf(
    z.record(z.string().min(1), z.array(z.string().min(1))),
  ).optional(),
  /** A model server must accept the connection within this, or the next upstream/fallback is tried. */
  NIGHTSHIFT_GATEWAY_CONNECT_TIMEOUT_S: seconds(1, 300).default(5),
  /** Longest silence from a model server (before the answer starts, or between two streamed pieces). */
  NIGHTSHIFT_GATEWAY_READ_TIMEOUT_S: seconds(1, 3600).default(120),
  /**
   * Longest a gateway call (and an OpenAI batch line) may run from start to last piece, however
   * steadily its upstream trickles: past it the upstream call is stopped, its slot and
   * interactive lease freed, and the caller gets a timeout (504, or the dialect's error line in
   * a stream that already started).
   */
  NIGHTSHIFT_GATEWAY_TOTAL_TIMEOUT_S: seconds(1, 86_400).default(600),
};
