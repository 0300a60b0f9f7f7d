import { z } from 'zod';

const intFrom = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max);

/**
 * Internal tuning: values that were public variables until issue #26 cut the configuration to
 * what an operator decides. Each default is the value the code is tuned for (the TSDoc says
 * why); they stay in `Config`, so code reads them as before, and a value set in the
 * environment is still read, with one deprecation line at start (`deprecatedVariables`).
 * Tests and benchmarks set some of them to run faster. Not in the README's configuration table
 * nor in `configVariables`.
 */
export const tuningConfigShape = {
  /** A request's headers must arrive within this. */
  NIGHTSHIFT_HEADERS_TIMEOUT_S: intFrom(1, 600).default(10),
  /**
   * A whole request (headers and body) must arrive within this; a slow sender is cut off. Moves
   * with the headers' limit above; a request whose body is in may still wait for its answer.
   */
  NIGHTSHIFT_REQUEST_TIMEOUT_S: intFrom(1, 3600).default(120),
  /**
   * The cold lane finds its own concurrency from the model server's queue and pace; off only to
   * measure fixed concurrencies against it (benchmarks), where `NIGHTSHIFT_COLD_CONCURRENCY` is
   * then the fixed figure.
   */
  NIGHTSHIFT_COLD_AUTOTUNE: z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .transform((v) => v === 'true' || v === '1' || v === 'yes')
    .default(true),
  /** How long an admin browser session lasts after sign-in (it ends at once on sign-out). */
  NIGHTSHIFT_ADMIN_SESSION_TTL_S: intFrom(60, 7 * 86_400).default(12 * 3600),
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
  /** Deprecated: `NIGHTSHIFT_UPSTREAMS` (still read with provider `openai` and no upstreams). */
  NIGHTSHIFT_OPENAI_BASE_URL: z.string().url().default('http://127.0.0.1:8000/v1'),
  /** Deprecated: the upstream's `apiKey` in `NIGHTSHIFT_UPSTREAMS`. */
  NIGHTSHIFT_OPENAI_API_KEY: z.string().optional(),
  /**
   * Deprecated: the upstream's `metricsUrl` in `NIGHTSHIFT_UPSTREAMS`. Still read as the
   * `metricsUrl` of a single upstream that sets none, and by the cold lane of a worker with no
   * model server; `none` turns it off.
   */
  NIGHTSHIFT_SERVER_METRICS_URL: z.union([z.literal('none'), z.string().url()]).optional(),
  /** Deprecated: `NIGHTSHIFT_GATEWAY_READ_TIMEOUT_S`, which takes its value when unset itself. */
  NIGHTSHIFT_TIMEOUT_S: intFrom(1).default(120),
  /** Seconds a running cold job may go on past the window's close: long enough for a chunk, short enough that day traffic is not held up. */
  NIGHTSHIFT_WINDOW_GRACE_S: intFrom(0).default(300),
  /** GPU memory kept free beyond the used-percent cap: room for one hot request's KV cache. */
  NIGHTSHIFT_VRAM_RESERVE_MIB: intFrom(0).default(1024),
  /** GPU memory one cold slot is charged; unset, it is learned from the readings. */
  NIGHTSHIFT_SLOT_MEMORY_MIB: intFrom(1).optional(),
  /**
   * A cold job whose model another worker has loaded (with its cold lane running) is left to that
   * worker for up to this long after the job was created; then any worker loads the model.
   */
  NIGHTSHIFT_MODEL_AFFINITY_WAIT_S: intFrom(0).default(120),
  /** How long a started cold job's KV memory may stay out of VRAM readings; it is charged meanwhile. */
  NIGHTSHIFT_KV_SETTLE_MS: intFrom(0).default(3000),
  /** Hot jobs waiting before 503: beyond this a caller waits longer than the hot wait anyway. */
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
  /** How long `/v1/summaries` waits for its hot job before answering 202 with a job to poll. */
  NIGHTSHIFT_HOT_WAIT_S: intFrom(1).default(120),
  /** Batch submissions allowed at once after a quiet spell. */
  NIGHTSHIFT_BATCH_BURST: intFrom(1).default(10),
  /** Shortest time between two fires of one schedule; a cron firing more often is refused (422). */
  NIGHTSHIFT_SCHEDULE_MIN_INTERVAL_S: intFrom(1).default(60),
  /** Schedules one tenant may have. */
  NIGHTSHIFT_MAX_SCHEDULES_PER_TENANT: intFrom(1).default(100),
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
  /** Parallel webhook deliveries per notifier process. */
  NIGHTSHIFT_NOTIFIER_CONCURRENCY: intFrom(1, 1024).default(32),
  /**
   * How far (percent) each app's V8 heap may grow above its live data before a full
   * collection; 0 keeps V8's own heuristic (up to 4×). Lower: flatter memory, more collections.
   */
  NIGHTSHIFT_HEAP_GROWTH_PERCENT: intFrom(0, 400).default(25),
  /** nvidia-smi index of the GPU to read; `CUDA_VISIBLE_DEVICES` names it the same way. */
  NIGHTSHIFT_GPU_INDEX: intFrom(0).optional(),
};

/** Names of the internal tuning variables (still read, each with a deprecation line). */
export const tuningVariables: readonly string[] = Object.keys(tuningConfigShape);
