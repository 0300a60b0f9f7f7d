import { isIP } from 'node:net';
import { z } from 'zod';
import { withReplacements } from './deprecated-variables.ts';
import { gatewayConfigShape } from './gateway-config.ts';
import { telemetryConfigShape } from './telemetry-config.ts';

const intFrom = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max);
const list = z.string().transform((s) =>
  s
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean),
);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const duration = z.string().regex(/^\d+(ms|s|m|h|d)$/, 'a duration such as 30s, 15m, 24h, 7d');

/** `10.0.0.1`, `::1`, `10.0.0.0/8`, `fd00::/8`. */
function isAddressOrCidr(value: string): boolean {
  const [address = '', bits, ...rest] = value.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

/** `tenant:key` pairs of NIGHTSHIFT_API_KEYS. */
const apiKeys = z.string().transform((s, ctx) => {
  const keys: { tenant: string; key: string }[] = [];
  for (const pair of s
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const at = pair.indexOf(':');
    const tenant = pair.slice(0, at);
    const key = pair.slice(at + 1);
    if (at <= 0 || !key || !/^[A-Za-z0-9_.-]+$/.test(tenant)) {
      ctx.addIssue({ code: 'custom', message: `'${pair}' is not tenant:key` });
      return z.NEVER;
    }
    keys.push({ tenant, key });
  }
  return keys;
});

/**
 * The configuration contract (the README's configuration table): every variable, its meaning and its default.
 * Every app reads the environment through {@link loadConfig}; nothing else reads `process.env`.
 */
const configSchema = z.object({
  PORT: intFrom(0, 65535).default(3000),
  /** Address the API listens on: loopback unless set (the container image sets 0.0.0.0). */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** A whole request (headers and body) must arrive within this; a slow sender is cut off. */
  NIGHTSHIFT_REQUEST_TIMEOUT_S: intFrom(1, 3600).default(120),
  /** A request's headers must arrive within this. */
  NIGHTSHIFT_HEADERS_TIMEOUT_S: intFrom(1, 600).default(10),
  REDIS_URL: z.string().url().optional(),
  NIGHTSHIFT_API_KEYS: apiKeys.default([]),
  NIGHTSHIFT_ADMIN_KEY: z.string().min(16).optional(),
  /** How long an admin browser session lasts after sign-in (it ends at once on sign-out). */
  NIGHTSHIFT_ADMIN_SESSION_TTL_S: intFrom(60, 7 * 86_400).default(12 * 3600),
  /** `Secure` on the admin cookie: `auto` sets it when the request came over HTTPS. */
  NIGHTSHIFT_ADMIN_COOKIE_SECURE: z.enum(['auto', 'true', 'false']).default('auto'),
  /** Origins besides the API's own that may send state-changing admin requests (a proxy's). */
  NIGHTSHIFT_ADMIN_ORIGINS: list.default([]),
  /** Failed admin sign-ins per minute from one address before 429. */
  NIGHTSHIFT_ADMIN_LOGIN_FAILURES_PER_MIN: intFrom(1).default(5),
  /** Failed admin sign-ins per minute from all addresses together before 429. */
  NIGHTSHIFT_ADMIN_LOGIN_FAILURES_GLOBAL_PER_MIN: intFrom(1).default(60),
  /** How long a tenant's `/tenant` page session lasts after sign-in (sign-out or revoking the key ends it at once). */
  NIGHTSHIFT_TENANT_SESSION_TTL_S: intFrom(60, 7 * 86_400).default(8 * 3600),
  /** Failed `/tenant` sign-ins per minute from one address before 429. */
  NIGHTSHIFT_TENANT_LOGIN_FAILURES_PER_MIN: intFrom(1).default(10),
  /** Failed `/tenant` sign-ins per minute from all addresses together before 429. */
  NIGHTSHIFT_TENANT_LOGIN_FAILURES_GLOBAL_PER_MIN: intFrom(1).default(120),
  /**
   * Wrong Bearer keys per minute from one client address, on every API surface (`/v1`,
   * `/openai/v1`, `/ollama`, `/metrics`), before 429 + `Retry-After`. While an address is over
   * it, every key it sends is refused, right or wrong, so a guess cannot be confirmed.
   */
  NIGHTSHIFT_AUTH_FAILURES_PER_MIN: intFrom(1).default(10),
  /**
   * Proxies (addresses or CIDR ranges, e.g. an ingress's pod network) whose `X-Forwarded-For`
   * names the client: the throttles then count the nearest address in it that is not one of
   * these. Empty: the socket's peer is the client and `X-Forwarded-For` is never read.
   */
  NIGHTSHIFT_TRUSTED_PROXIES: list
    .pipe(
      z.array(z.string().refine(isAddressOrCidr, 'an IP address or CIDR range such as 10.0.0.0/8')),
    )
    .default([]),
  /**
   * Bearer tokens that `GET /metrics` accepts (comma-separated: two during a rotation). Unset:
   * `/metrics` refuses everyone (`npm start` generates one and prints it).
   */
  NIGHTSHIFT_METRICS_TOKEN: list
    .pipe(z.array(z.string().min(16, 'at least 16 characters')))
    .optional(),
  NIGHTSHIFT_WEBHOOK_SECRET: z.string().startsWith('whsec_').optional(),
  NIGHTSHIFT_PROVIDER: z.enum(['auto', 'ollama', 'openai', 'extractive']).default('auto'),
  OLLAMA_HOST: z.string().url().default('http://127.0.0.1:11434'),
  /** Deprecated: `NIGHTSHIFT_UPSTREAMS` (still read with provider `openai` and no upstreams). */
  NIGHTSHIFT_OPENAI_BASE_URL: z.string().url().default('http://127.0.0.1:8000/v1'),
  /** Deprecated: the upstream's `apiKey` in `NIGHTSHIFT_UPSTREAMS`. */
  NIGHTSHIFT_OPENAI_API_KEY: z.string().optional(),
  NIGHTSHIFT_MODEL: z.string().min(1).default('qwen3:32b'),
  /** Deprecated: `NIGHTSHIFT_GATEWAY_FALLBACKS` (still read as `NIGHTSHIFT_MODEL`'s fallbacks). */
  NIGHTSHIFT_FALLBACK_MODELS: list.default(['qwen2:7b']),
  NIGHTSHIFT_NUM_CTX: intFrom(512).default(8192),
  NIGHTSHIFT_MAX_TOKENS: intFrom(16).default(2048),
  /** Deprecated: `NIGHTSHIFT_GATEWAY_READ_TIMEOUT_S`, which takes its value when unset itself. */
  NIGHTSHIFT_TIMEOUT_S: intFrom(1).default(120),
  NIGHTSHIFT_COLD_WINDOWS: z.string().min(1).default('22:00-06:00'),
  NIGHTSHIFT_WINDOW_GRACE_S: intFrom(0).default(300),
  NIGHTSHIFT_TZ: z.string().default('UTC'),
  NIGHTSHIFT_GPU_PROBE: z.enum(['nvidia-smi', 'ollama', 'none']).optional(),
  NIGHTSHIFT_NVIDIA_SMI: z.string().default('nvidia-smi'),
  NIGHTSHIFT_GPU_INDEX: intFrom(0).optional(),
  CUDA_VISIBLE_DEVICES: z.string().optional(),
  NIGHTSHIFT_GPU_MEMORY_MIB: intFrom(1).optional(),
  NIGHTSHIFT_VRAM_MAX_USED_PCT: z.coerce.number().min(1).max(100).default(95),
  NIGHTSHIFT_VRAM_RESERVE_MIB: intFrom(0).default(1024),
  NIGHTSHIFT_SLOT_MEMORY_MIB: intFrom(1).optional(),
  NIGHTSHIFT_HOT_CONCURRENCY: intFrom(1, 256).default(2),
  /**
   * Most cold jobs at once per worker. With the tuner on it is only a cap (unset: 256); with it
   * off, the fixed concurrency (unset: 2).
   */
  NIGHTSHIFT_COLD_CONCURRENCY: intFrom(1, 256).optional(),
  /** The cold lane finds its own concurrency from the model server's queue and pace. */
  NIGHTSHIFT_COLD_AUTOTUNE: bool.default(true),
  /**
   * The model server's Prometheus metrics (vLLM, SGLang), which cold admission and the tuner read
   * instead of GPU memory. Unset: `/metrics` beside `NIGHTSHIFT_OPENAI_BASE_URL` when the provider
   * is `openai`, none otherwise; `none` turns it off.
   */
  NIGHTSHIFT_SERVER_METRICS_URL: z.union([z.literal('none'), z.string().url()]).optional(),
  /**
   * A cold job whose model another worker has loaded (with its cold lane running) is left to that
   * worker for up to this long after the job was created; then any worker loads the model.
   */
  NIGHTSHIFT_MODEL_AFFINITY_WAIT_S: intFrom(0).default(120),
  /** How long a started cold job's KV memory may stay out of VRAM readings; it is charged meanwhile. */
  NIGHTSHIFT_KV_SETTLE_MS: intFrom(0).default(3000),
  NIGHTSHIFT_HOT_MAX_QUEUE: intFrom(1).default(50),
  /** Cold slots kept free while interactive traffic is recent, so hot work never waits for a cold chunk. */
  NIGHTSHIFT_HOT_RESERVE_SLOTS: intFrom(0, 256).default(1),
  /** How long after the last hot job that reserve holds. */
  NIGHTSHIFT_HOT_IDLE_S: intFrom(0).default(60),
  /**
   * At window close, a model that served an interactive gateway call within this many seconds
   * stays loaded: model hygiene unloads only models that cold work alone kept warm.
   */
  NIGHTSHIFT_GATEWAY_WARM_S: intFrom(0).default(1800),
  NIGHTSHIFT_HOT_RATE_PER_MIN: intFrom(1).default(12),
  NIGHTSHIFT_HOT_BURST: intFrom(1).default(3),
  NIGHTSHIFT_HOT_WAIT_S: intFrom(1).default(120),
  /** Batch submissions per minute per tenant, and the burst allowed after a quiet spell. */
  NIGHTSHIFT_BATCH_RATE_PER_MIN: intFrom(1).default(60),
  NIGHTSHIFT_BATCH_BURST: intFrom(1).default(10),
  NIGHTSHIFT_WEBHOOK_ALLOW_PRIVATE: bool.default(false),
  NIGHTSHIFT_WEBHOOK_ALLOW_LIST: list.default([]),
  /**
   * Media URLs in chat content parts (`image_url`, `video_url`, `audio_url`, …) of
   * `/openai/v1` bodies and OpenAI batch lines, which vLLM and SGLang fetch from the model
   * server's network. `public`: `data:` URLs, and http(s) URLs whose host resolves only to
   * public addresses (the webhook address policy, without its private-address switch);
   * `off`: `data:` URLs only; `any`: every URL as written (a trusted network only).
   * A refused URL answers 400 (`media_url_not_allowed`) or fails its batch line.
   */
  NIGHTSHIFT_MEDIA_URLS: z.enum(['public', 'off', 'any']).default('public'),
  /** Folders that schedules' `directory` sources may read (comma-separated); empty: none. */
  NIGHTSHIFT_INBOX_DIRS: list.default([]),
  /** Shortest time between two fires of one schedule; a cron firing more often is refused (422). */
  NIGHTSHIFT_SCHEDULE_MIN_INTERVAL_S: intFrom(1).default(60),
  /** Schedules one tenant may have. */
  NIGHTSHIFT_MAX_SCHEDULES_PER_TENANT: intFrom(1).default(100),
  NIGHTSHIFT_WEBHOOK_RETRY_SCHEDULE: z.string().default('0s,5s,5m,30m,2h,5h,10h,10h'),
  NIGHTSHIFT_WEBHOOK_TIMEOUT_S: intFrom(1, 300).default(15),
  NIGHTSHIFT_RESULT_TTL: duration.default('7d'),
  NIGHTSHIFT_MAX_DOCUMENTS: intFrom(1).default(10_000),
  NIGHTSHIFT_MAX_DOCUMENT_BYTES: intFrom(1).default(20 * 1024 * 1024),
  NIGHTSHIFT_MAX_BODY_BYTES: intFrom(1).default(100 * 1024 * 1024),
  /** Bytes of one file uploaded to `/openai/v1/files` (413 beyond, refused as it streams in). */
  NIGHTSHIFT_OPENAI_FILE_MAX_BYTES: intFrom(1).default(200 * 1024 * 1024),
  /** Lines (requests) of one OpenAI batch input file. */
  NIGHTSHIFT_OPENAI_BATCH_MAX_LINES: intFrom(1).default(50_000),
  /**
   * Bytes of one request line's answer (its JSON) an OpenAI batch stores; a longer answer ends
   * the line `response_too_large` in the error file. 32 MiB holds 2,048 embeddings of 768
   * dimensions as floats (about 19 bytes each), or of 3,072 as base64.
   */
  NIGHTSHIFT_OPENAI_BATCH_MAX_RESPONSE_BYTES: intFrom(1024).default(32 * 1024 * 1024),
  /**
   * Bytes of answers one OpenAI batch stores, all lines together; each line past it ends
   * `batch_output_too_large` in the error file (the lines before it keep their answers).
   */
  NIGHTSHIFT_OPENAI_BATCH_MAX_OUTPUT_BYTES: intFrom(1024).default(1024 * 1024 * 1024),
  /**
   * Bytes of `/openai/v1` files one tenant may hold at once, uploads in progress and batch
   * outputs included (an upload past it: 413 `storage_quota_exceeded`); admins can override per
   * tenant (`maxStoredFileBytes`).
   */
  NIGHTSHIFT_OPENAI_STORAGE_MAX_BYTES: intFrom(1).default(1024 * 1024 * 1024),
  /** Files one tenant may hold at once, counted like the bytes (`maxStoredFiles` per tenant). */
  NIGHTSHIFT_OPENAI_STORAGE_MAX_FILES: intFrom(1).default(1000),
  /**
   * Seconds an upload's stored chunks live unless the API uploading them renews them: an API
   * killed mid-upload leaves nothing in Redis past this. The file takes its real expiry when
   * its last byte is in.
   */
  NIGHTSHIFT_OPENAI_UPLOAD_PENDING_TTL_S: intFrom(1, 3600).default(120),
  /**
   * Bytes a PDF's compressed streams may inflate to, all together, while its text is read;
   * beyond it the document ends `pdf_too_large` (a decompression bomb cannot fill the worker).
   */
  NIGHTSHIFT_PDF_MAX_DECODED_BYTES: intFrom(1024 * 1024).default(64 * 1024 * 1024),
  /** Bytes of all documents of one batch together (413 beyond). */
  NIGHTSHIFT_MAX_BATCH_BYTES: intFrom(1).default(500 * 1024 * 1024),
  /** Documents a tenant may have unfinished at once (429 beyond); admins can override per tenant. */
  NIGHTSHIFT_MAX_QUEUED_PER_TENANT: intFrom(1).default(100_000),
  NIGHTSHIFT_JOB_ATTEMPTS: intFrom(1, 100).default(5),
  /**
   * Most short texts (≤ 4,096 characters) of a large batch carried by one cold job; they run one
   * after the other in one slot and share the job's attempts. 1: one document per job.
   */
  NIGHTSHIFT_COLD_GROUP_MAX: intFrom(1, 64).default(16),
  /** Cold work is grouped by model in this many groups per round (1: no grouping). Same value everywhere. */
  NIGHTSHIFT_MODEL_GROUPS: intFrom(1, 16).default(4),
  /** Turns per round of the fair, model-grouped cold order. Same value everywhere. */
  NIGHTSHIFT_MODEL_ROUND: intFrom(1, 4096).default(64),
  /** How long a worker's claim on a job lasts without renewal; a killed worker's jobs return after it. */
  NIGHTSHIFT_JOB_LOCK_MS: intFrom(1000).default(30_000),
  /**
   * How long a worker gathers per-document metrics and usage in memory before writing them in
   * one transaction. 0 writes each at once; kill -9 loses at most this much of them.
   */
  NIGHTSHIFT_METRICS_FLUSH_MS: intFrom(0, 60_000).default(1000),
  /** On SIGTERM the API answers readyz 503 this long, still serving, before it closes its listener. */
  NIGHTSHIFT_API_DRAIN_DELAY_MS: intFrom(0).default(0),
  /** Parallel webhook deliveries per notifier process. */
  NIGHTSHIFT_NOTIFIER_CONCURRENCY: intFrom(1, 1024).default(32),
  /**
   * How far (percent) each app's V8 heap may grow above its live data before a full
   * collection; 0 keeps V8's own heuristic (up to 4×). Lower: flatter memory, more collections.
   */
  NIGHTSHIFT_HEAP_GROWTH_PERCENT: intFrom(0, 400).default(25),
  NIGHTSHIFT_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info'),
  ...gatewayConfigShape,
  ...telemetryConfigShape,
});

/** Names of every variable in the configuration contract (deploy checks compare manifests with it). */
export const configVariables: readonly string[] = Object.keys(configSchema.shape);

/** The parsed, typed configuration. */
export type Config = z.output<typeof configSchema>;

/** Raised when an environment variable holds a value the contract does not allow. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(
      `Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`,
    );
  }
}

/**
 * Reads the configuration contract from an environment. Empty strings count as unset.
 *
 * @example
 * const config = loadConfig(process.env); // throws ConfigError naming the bad variable
 * config.NIGHTSHIFT_NUM_CTX; // 8192
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const present = Object.fromEntries(
    Object.entries(withReplacements(env)).filter(
      ([name, value]) => name in configSchema.shape && value !== '',
    ),
  );
  const parsed = configSchema.safeParse(present);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((issue) => ({
      variable: String(issue.path[0] ?? '?'),
      message: issue.message,
    })),
  );
}

/** The cap when `NIGHTSHIFT_COLD_CONCURRENCY` is unset and the cold lane tunes itself. */
export const TUNED_COLD_CONCURRENCY_CAP = 256;

/**
 * The most cold jobs one worker runs at once: `NIGHTSHIFT_COLD_CONCURRENCY` when set; else the
 * tuner's own cap, or the fixed 2 of a lane that does not tune itself.
 *
 * @example
 * coldConcurrencyCap(loadConfig({})); // 256
 * coldConcurrencyCap(loadConfig({ NIGHTSHIFT_COLD_AUTOTUNE: 'false' })); // 2
 */
export function coldConcurrencyCap(
  config: Pick<Config, 'NIGHTSHIFT_COLD_CONCURRENCY' | 'NIGHTSHIFT_COLD_AUTOTUNE'>,
): number {
  return (
    config.NIGHTSHIFT_COLD_CONCURRENCY ??
    (config.NIGHTSHIFT_COLD_AUTOTUNE ? TUNED_COLD_CONCURRENCY_CAP : 2)
  );
}

/** Milliseconds of a duration such as `90s`, `15m`, `24h`, `7d`. */
export function durationMs(value: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(value.trim());
  if (!match) throw new Error(`'${value}' is not a duration such as 30s, 15m, 24h, 7d`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms'];
  return Number(match[1]) * unit;
}
