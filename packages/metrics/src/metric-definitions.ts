/** The kinds of metric Nightshift keeps in Redis (queue depth is read from BullMQ instead). */
export type StoredMetricType = 'counter' | 'gauge' | 'histogram';

/** One metric's name, help text, label names and, for histograms, bucket bounds. */
export interface MetricDefinition {
  /** Prometheus name, `nightshift_…`, counters ending in `_total`. */
  name: string;
  /** `# HELP` text. */
  help: string;
  type: StoredMetricType;
  /** Label names in exposition order. */
  labels: readonly string[];
  /** Upper bounds of histogram buckets (without `+Inf`). */
  buckets?: readonly number[];
}

/** Seconds: a hot summary takes a second or two, a long cold document many minutes. */
const durationBuckets = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800] as const;

/**
 * Every metric that processes record into Redis and any API replica exposes at `/metrics`.
 *
 * @example
 * recorder.inc(nightshiftMetrics.fallbacks, { model: 'qwen3:32b', provider: 'ollama', reason: 'oom' });
 */
export const nightshiftMetrics = {
  jobDuration: {
    name: 'nightshift_job_duration_seconds',
    help: 'Time a worker spent on one job, by lane, the model that answered and outcome.',
    type: 'histogram',
    labels: ['lane', 'model', 'outcome'],
    buckets: durationBuckets,
  },
  gpuSeconds: {
    name: 'nightshift_gpu_seconds_total',
    help: "GPU seconds charged to model calls (each call's share of its server's busy time), by tenant, lane and model.",
    type: 'counter',
    labels: ['tenant', 'lane', 'model'],
  },
  energy: {
    name: 'nightshift_gpu_energy_wh_total',
    help: 'Energy charged to model calls (their share of the GPU counter), Wh, by tenant, lane and model.',
    type: 'counter',
    labels: ['tenant', 'lane', 'model'],
  },
  idleEnergy: {
    name: 'nightshift_gpu_idle_energy_wh_total',
    help: "Energy a model server's GPUs spent with no call running, Wh (charged to nobody), by server.",
    type: 'counter',
    labels: ['server'],
  },
  tokens: {
    name: 'nightshift_tokens_total',
    help: 'Tokens sent to (in) and produced by (out) models, by model and tenant.',
    type: 'counter',
    labels: ['direction', 'model', 'tenant'],
  },
  fallbacks: {
    name: 'nightshift_model_fallbacks_total',
    help: 'Model attempts the chain moved past to the next model, by model and reason.',
    type: 'counter',
    labels: ['model', 'provider', 'reason'],
  },
  vramUsed: {
    name: 'nightshift_gpu_vram_used_bytes',
    help: 'GPU memory held by processes, per worker and GPU, as last probed.',
    type: 'gauge',
    labels: ['worker', 'gpu'],
  },
  vramFree: {
    name: 'nightshift_gpu_vram_free_bytes',
    help: 'GPU memory free for new allocations, per worker and GPU, as last probed.',
    type: 'gauge',
    labels: ['worker', 'gpu'],
  },
  windowOpen: {
    name: 'nightshift_cold_window_open',
    help: '1 while the worker is inside an off-peak window (cold lane may run), else 0.',
    type: 'gauge',
    labels: ['worker'],
  },
  webhookAttempts: {
    name: 'nightshift_webhook_attempts_total',
    help: 'Webhook delivery attempts by outcome (delivered, retry, gone, refused).',
    type: 'counter',
    labels: ['outcome'],
  },
  rateLimitRejections: {
    name: 'nightshift_rate_limit_rejections_total',
    help: 'Requests answered 429 by a rate limit, by limit name and tenant.',
    type: 'counter',
    labels: ['limit', 'tenant'],
  },
  gatewayRequests: {
    name: 'nightshift_gateway_requests_total',
    help: 'Interactive calls through the gateway, by operation, the model that answered and outcome (ok, error, aborted).',
    type: 'counter',
    labels: ['operation', 'model', 'outcome'],
  },
  gatewayTimeToFirstToken: {
    name: 'nightshift_gateway_time_to_first_token_seconds',
    help: "Time from a gateway call's start to the upstream's first piece of answer, by model.",
    type: 'histogram',
    labels: ['model'],
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  },
  webhookDeadLetters: {
    name: 'nightshift_webhook_dead_letters_total',
    help: 'Webhook deliveries that ended failed (schedule exhausted, target refused, no secret): dead letters kept for replay.',
    type: 'counter',
    labels: [],
  },
  hotRejections: {
    name: 'nightshift_hot_rejections_total',
    help: 'Hot-lane requests answered 503 by admission, by reason (no_worker, hot_queue_full, vram).',
    type: 'counter',
    labels: ['reason'],
  },
  workerModels: {
    name: 'nightshift_worker_models',
    help: '1 per worker and model it serves (main and fallbacks), while the worker is alive.',
    type: 'gauge',
    labels: ['worker', 'model'],
  },
  pricePlanAtRisk: {
    name: 'nightshift_price_plan_batches_at_risk',
    help: 'Batches the price plan says will miss their completion window: the allowed hours before their deadline are too few (set while a price source is configured).',
    type: 'gauge',
    labels: [],
  },
} as const satisfies Record<string, MetricDefinition>;

/** Name of the queue-depth gauge, read from BullMQ at scrape time. */
export const queueDepthMetricName = 'nightshift_queue_depth';
