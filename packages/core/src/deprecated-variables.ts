/**
 * Variables the model-access layer replaced (issue #26: one configuration of the model
 * servers). Each is still read, and each process that finds one set logs one line naming its
 * replacement (`deprecationsIn`, logged by packages/process `runService`).
 * `NIGHTSHIFT_FALLBACK_MODELS` is not among them: it is part of the configuration contract
 * (`NIGHTSHIFT_MODEL`'s fallbacks, for summaries and chat), and `NIGHTSHIFT_GATEWAY_FALLBACKS`
 * only adds chains for other models.
 */
export const deprecatedVariables: Readonly<Record<string, string>> = {
  NIGHTSHIFT_OPENAI_BASE_URL:
    'NIGHTSHIFT_UPSTREAMS=[{"kind":"openai","url":"<base URL with /v1>","models":["*"]}]',
  NIGHTSHIFT_OPENAI_API_KEY: 'the "apiKey" of the upstream in NIGHTSHIFT_UPSTREAMS',
  NIGHTSHIFT_TIMEOUT_S: 'NIGHTSHIFT_GATEWAY_READ_TIMEOUT_S',
  NIGHTSHIFT_SERVER_METRICS_URL: 'the "metricsUrl" of the upstream in NIGHTSHIFT_UPSTREAMS',
  // Internal tuning since issue #26 (tuning-config.ts): still read, no longer public.
  NIGHTSHIFT_HEADERS_TIMEOUT_S: 'its built-in default (10)',
  NIGHTSHIFT_REQUEST_TIMEOUT_S: 'its built-in default (120)',
  NIGHTSHIFT_COLD_AUTOTUNE: 'its built-in default (true)',
  NIGHTSHIFT_ADMIN_SESSION_TTL_S: 'its built-in default (43200)',
  NIGHTSHIFT_ADMIN_LOGIN_FAILURES_GLOBAL_PER_MIN: 'its built-in default (60)',
  NIGHTSHIFT_TENANT_SESSION_TTL_S: 'its built-in default (28800)',
  NIGHTSHIFT_TENANT_LOGIN_FAILURES_PER_MIN: 'its built-in default (10)',
  NIGHTSHIFT_TENANT_LOGIN_FAILURES_GLOBAL_PER_MIN: 'its built-in default (120)',
  NIGHTSHIFT_AUTH_FAILURES_PER_MIN: 'its built-in default (10)',
  NIGHTSHIFT_WINDOW_GRACE_S: 'its built-in default (300)',
  NIGHTSHIFT_VRAM_RESERVE_MIB: 'its built-in default (1024)',
  NIGHTSHIFT_SLOT_MEMORY_MIB: 'its built-in default (unset)',
  NIGHTSHIFT_MODEL_AFFINITY_WAIT_S: 'its built-in default (120)',
  NIGHTSHIFT_KV_SETTLE_MS: 'its built-in default (3000)',
  NIGHTSHIFT_HOT_MAX_QUEUE: 'its built-in default (50)',
  NIGHTSHIFT_HOT_RESERVE_SLOTS: 'its built-in default (1)',
  NIGHTSHIFT_HOT_IDLE_S: 'its built-in default (60)',
  NIGHTSHIFT_GATEWAY_WARM_S: 'its built-in default (1800)',
  NIGHTSHIFT_HOT_WAIT_S: 'its built-in default (120)',
  NIGHTSHIFT_BATCH_BURST: 'its built-in default (10)',
  NIGHTSHIFT_SCHEDULE_MIN_INTERVAL_S: 'its built-in default (60)',
  NIGHTSHIFT_MAX_SCHEDULES_PER_TENANT: 'its built-in default (100)',
  NIGHTSHIFT_OPENAI_BATCH_MAX_RESPONSE_BYTES: 'its built-in default (33554432, 32 MiB)',
  NIGHTSHIFT_OPENAI_BATCH_MAX_OUTPUT_BYTES: 'its built-in default (1073741824, 1 GiB)',
  NIGHTSHIFT_OPENAI_STORAGE_MAX_FILES: 'its built-in default (1000)',
  NIGHTSHIFT_OPENAI_UPLOAD_PENDING_TTL_S: 'its built-in default (120)',
  NIGHTSHIFT_PDF_MAX_DECODED_BYTES: 'its built-in default (67108864, 64 MiB)',
  NIGHTSHIFT_COLD_GROUP_MAX: 'its built-in default (16)',
  NIGHTSHIFT_MODEL_GROUPS: 'its built-in default (4)',
  NIGHTSHIFT_MODEL_ROUND: 'its built-in default (64)',
  NIGHTSHIFT_JOB_LOCK_MS: 'its built-in default (30_000)',
  NIGHTSHIFT_METRICS_FLUSH_MS: 'its built-in default (1000)',
  NIGHTSHIFT_NOTIFIER_CONCURRENCY: 'its built-in default (32)',
  NIGHTSHIFT_HEAP_GROWTH_PERCENT: 'its built-in default (25)',
  NIGHTSHIFT_GPU_INDEX: 'CUDA_VISIBLE_DEVICES (its first entry names the GPU to read)',
};

/** A deprecated variable found set, and what replaces it. */
export interface Deprecation {
  variable: string;
  replacement: string;
}

/**
 * The deprecated variables `env` sets (empty values count as unset, as in `loadConfig`).
 *
 * @example
 * deprecationsIn({ NIGHTSHIFT_TIMEOUT_S: '60' }) // [{ variable: 'NIGHTSHIFT_TIMEOUT_S', replacement: 'NIGHTSHIFT_GATEWAY_READ_TIMEOUT_S' }]
 */
export function deprecationsIn(env: Record<string, string | undefined>): Deprecation[] {
  return Object.entries(deprecatedVariables)
    .filter(([variable]) => env[variable] !== undefined && env[variable] !== '')
    .map(([variable, replacement]) => ({ variable, replacement }));
}

/**
 * `env` with each deprecated variable's value carried to its replacement where that is unset:
 * `NIGHTSHIFT_TIMEOUT_S` (one summary call's limit) becomes the layer's read timeout, which
 * bounds an unstreamed call the same way. The others are read where they were
 * (`upstreamsFrom`, `fallbacksFrom` in packages/gateway).
 */
export function withReplacements(
  env: Record<string, string | undefined>,
): Record<string, string | undefined> {
  const { NIGHTSHIFT_TIMEOUT_S: old, NIGHTSHIFT_GATEWAY_READ_TIMEOUT_S: current } = env;
  if (old === undefined || old === '' || (current !== undefined && current !== '')) return env;
  return { ...env, NIGHTSHIFT_GATEWAY_READ_TIMEOUT_S: old };
}
