import type { Redis } from 'ioredis';
import { ActivitySeries } from './activity-series.ts';
import { nightshiftMetrics } from './metric-definitions.ts';
import { MetricsRecorder } from './metrics-recorder.ts';
import { UsageLedger } from './usage-ledger.ts';
import { WriteBehind } from './write-behind.ts';

/** A document that a worker finished, on either lane. */
export interface FinishedDocument {
  lane: 'hot' | 'cold';
  tenant: string;
  /** Model that answered; null when none did. */
  model: string | null;
  outcome: 'succeeded' | 'failed';
  /** Time this run of the job took. */
  durationMs: number;
  usage: { promptTokens: number; completionTokens: number };
}

/** A chain attempt that was moved past (the shape of `@nightshift/llm`'s `ChainAttempt`). */
export interface FallbackAttempt {
  model: string;
  provider: string;
  kind: string;
}

/** Options of {@link WorkMeter}. */
export interface WorkMeterOptions {
  redis: Redis;
  onError?: (error: Error) => void;
  /**
   * How long per-document figures gather in memory before one transaction writes them
   * (see {@link WriteBehind}). Default 0: each is written at once.
   */
  flushMs?: number;
}

/**
 * What a worker measures, in one place: job durations, tokens per model and tenant, fallbacks,
 * and the usage ledger behind `GET /v1/usage`. Never throws: a metric must not fail a job.
 * Metrics and ledger share one writer, so with `flushMs` a busy worker writes all its figures in
 * one transaction per interval; `close()` writes what is pending.
 *
 * @example
 * const meter = new WorkMeter({ redis, flushMs: 1000, onError: (e) => logger.warn(e.message) });
 * await meter.documentFinished({ lane: 'cold', tenant, model, outcome: 'succeeded', durationMs, usage });
 */
export class WorkMeter {
  readonly recorder: MetricsRecorder;
  readonly ledger: UsageLedger;
  /** The dashboard's downsampled series (documents, tokens, hot latency, VRAM). */
  readonly series: ActivitySeries;
  readonly #onError: (error: Error) => void;
  readonly #writes: WriteBehind;

  constructor(options: WorkMeterOptions) {
    this.#onError = options.onError ?? (() => {});
    this.#writes = new WriteBehind({
      redis: options.redis,
      onError: this.#onError,
      ...(options.flushMs !== undefined ? { flushMs: options.flushMs } : {}),
    });
    const writes = this.#writes;
    this.recorder = new MetricsRecorder({ redis: options.redis, onError: this.#onError, writes });
    this.ledger = new UsageLedger({ redis: options.redis, writes });
    this.series = new ActivitySeries({ redis: options.redis, writes });
  }

  /** Stops buffering and writes what is pending (graceful shutdown). */
  close(): Promise<void> {
    return this.#writes.close();
  }

  /** Records a finished document's duration, tokens and usage, and adds it to the series. */
  async documentFinished(doc: FinishedDocument): Promise<void> {
    const model = doc.model ?? 'none';
    const { tokens, jobDuration } = nightshiftMetrics;
    await Promise.all([
      this.recorder.observe(
        jobDuration,
        { lane: doc.lane, model, outcome: doc.outcome },
        doc.durationMs / 1000,
      ),
      this.recorder.inc(
        tokens,
        { direction: 'in', model, tenant: doc.tenant },
        doc.usage.promptTokens,
      ),
      this.recorder.inc(
        tokens,
        { direction: 'out', model, tenant: doc.tenant },
        doc.usage.completionTokens,
      ),
      this.ledger.record({
        tenant: doc.tenant,
        model: doc.model,
        status: doc.outcome,
        promptTokens: doc.usage.promptTokens,
        completionTokens: doc.usage.completionTokens,
      }),
      this.series.documentFinished({
        lane: doc.lane,
        outcome: doc.outcome,
        durationMs: doc.durationMs,
        promptTokens: doc.usage.promptTokens,
        completionTokens: doc.usage.completionTokens,
      }),
    ]);
  }

  /** Counts a model the chain moved past; pass it as the chain's `onFallback`. */
  fallback(attempt: FallbackAttempt): Promise<void> {
    return this.recorder.inc(nightshiftMetrics.fallbacks, {
      model: attempt.model,
      provider: attempt.provider,
      reason: attempt.kind,
    });
  }
}
