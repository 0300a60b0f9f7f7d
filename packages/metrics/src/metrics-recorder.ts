import { keyPrefix } from '@nightshift/core';
import type { Redis } from 'ioredis';
import type { MetricDefinition } from './metric-definitions.ts';
import { WriteBehind } from './write-behind.ts';

/** Label values of a definition, one per label name. */
export type LabelValues<D extends MetricDefinition> = Record<D['labels'][number], string>;

/** Options of {@link MetricsRecorder}. */
export interface MetricsRecorderOptions {
  /** A client connection (never a blocking one). */
  redis: Redis;
  /** Called when Redis refuses a write; a metric must never fail the work it measures. */
  onError?: (error: Error) => void;
  /**
   * Where counters and histograms are written; default one that writes each at once. A worker
   * shares one buffered {@link WriteBehind} between its metrics and its usage ledger.
   */
  writes?: WriteBehind;
}

/** The Redis hash holding one metric's series. */
export function metricKey(definition: MetricDefinition): string {
  return `${keyPrefix}:metrics:${definition.name}`;
}

/** One series' field in the hash: its label values in definition order, as JSON. */
export function seriesField(definition: MetricDefinition, labels: Record<string, string>): string {
  return JSON.stringify(definition.labels.map((name) => labels[name] ?? ''));
}

/**
 * Records Nightshift metrics into Redis, where every API replica reads them at scrape time.
 * Workers and notifiers are many short-lived processes behind no load balancer, so instead of
 * each exposing its own `/metrics`, they add to shared series: one scrape target, totals that
 * survive restarts, and the same answer from every API replica.
 *
 * Writes are fire-and-forget: methods resolve even when Redis is away (`onError` hears it).
 * With a buffered {@link WriteBehind} they resolve at once and land with its next flush.
 *
 * @example
 * const metrics = new MetricsRecorder({ redis });
 * await metrics.inc(nightshiftMetrics.webhookAttempts, { outcome: 'delivered' });
 * await metrics.observe(nightshiftMetrics.jobDuration, { lane: 'cold', model, outcome: 'succeeded' }, 4.2);
 */
export class MetricsRecorder {
  readonly #redis: Redis;
  readonly #onError: (error: Error) => void;
  readonly #writes: WriteBehind;

  constructor(options: MetricsRecorderOptions) {
    this.#redis = options.redis;
    this.#onError = options.onError ?? (() => {});
    this.#writes =
      options.writes ?? new WriteBehind({ redis: options.redis, onError: this.#onError });
  }

  /** Adds `by` (default 1) to a counter series. */
  inc<D extends MetricDefinition>(definition: D, labels: LabelValues<D>, by = 1): Promise<void> {
    if (by === 0) return Promise.resolve();
    return this.#writes.add(metricKey(definition), seriesField(definition, labels), by);
  }

  /** Counts one observation into a histogram series (its bucket, sum and count). */
  observe<D extends MetricDefinition>(
    definition: D,
    labels: LabelValues<D>,
    value: number,
  ): Promise<void> {
    const field = seriesField(definition, labels);
    const buckets = definition.buckets ?? [];
    const index = buckets.findIndex((bound) => value <= bound);
    // Buckets are stored non-cumulative (one write per observation); the reader sums them up.
    const bucket = index === -1 ? 'inf' : `b${index}`;
    const key = metricKey(definition);
    // One tick: the three land in one transaction even when writing through.
    void this.#writes.add(key, `${bucket}|${field}`, 1);
    void this.#writes.add(key, `sum|${field}`, value);
    return this.#writes.add(key, `count|${field}`, 1);
  }

  /**
   * Sets a gauge series that vanishes `ttlMs` after its last update, so a worker that died
   * stops reporting VRAM instead of freezing its last value.
   */
  set<D extends MetricDefinition>(
    definition: D,
    labels: LabelValues<D>,
    value: number,
    ttlMs: number,
  ): Promise<void> {
    return this.#run(
      this.#redis.hset(
        metricKey(definition),
        seriesField(definition, labels),
        `${value}|${Date.now() + ttlMs}`,
      ),
    );
  }

  async #run(write: Promise<unknown>): Promise<void> {
    try {
      await write;
    } catch (error) {
      this.#onError(error as Error);
    }
  }
}
