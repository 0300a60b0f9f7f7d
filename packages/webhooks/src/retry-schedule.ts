import type { AttemptOutcome } from './deliver.ts';

/** The Standard Webhooks habit: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const DEFAULT_RETRY_SCHEDULE = '0s,5s,5m,30m,2h,5h,10h,10h';

/** The backoff `type` to put on webhook jobs (`backoff: { type: WEBHOOK_BACKOFF_TYPE }`). */
export const WEBHOOK_BACKOFF_TYPE = 'webhook';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses `NIGHTSHIFT_WEBHOOK_RETRY_SCHEDULE` into delays in ms. Entry i is the wait before
 * attempt i+1: the first is the delay of the first attempt (usually `0s`). Empty or
 * undefined gives the default. Throws RangeError on a malformed entry.
 *
 * @example
 * parseRetrySchedule('0s,5s,5m'); // [0, 5000, 300000]
 */
export function parseRetrySchedule(spec: string | undefined = DEFAULT_RETRY_SCHEDULE): number[] {
  const text = spec.trim() === '' ? DEFAULT_RETRY_SCHEDULE : spec;
  return text.split(',').map((token) => {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(token.trim());
    const unit = match?.[2];
    if (!match || unit === undefined) {
      throw new RangeError(
        `bad retry schedule entry "${token.trim()}": use a number with ms, s, m, h or d (e.g. 5m)`,
      );
    }
    return Math.round(Number(match[1]) * (UNIT_MS[unit] ?? 0));
  });
}

/**
 * How many attempts BullMQ should allow (`opts.attempts`): one per schedule entry.
 *
 * @example
 * queue.add('deliver', data, { attempts: attemptsForSchedule(s), delay: s[0], backoff: { type: 'webhook' } });
 */
export function attemptsForSchedule(schedule: readonly number[]): number {
  return Math.max(1, schedule.length);
}

/**
 * Thrown by the notifier's processor for a `retry` outcome, so the backoff strategy can see
 * the receiver's `Retry-After` and the delivery log can see the attempt.
 */
export class WebhookRetryError extends Error {
  /** The receiver asked to wait this long (429/503 `Retry-After`), in ms. */
  readonly retryAfterMs: number | undefined;
  /** The attempt that failed. */
  readonly outcome: AttemptOutcome | undefined;

  constructor(message: string, options: { retryAfterMs?: number; outcome?: AttemptOutcome } = {}) {
    super(message);
    this.name = 'WebhookRetryError';
    this.retryAfterMs = options.retryAfterMs;
    this.outcome = options.outcome;
  }

  /**
   * Wraps a failed attempt.
   *
   * @example
   * if (outcome.decision === 'retry') throw WebhookRetryError.fromOutcome(outcome);
   */
  static fromOutcome(outcome: AttemptOutcome): WebhookRetryError {
    const what = outcome.error ?? (outcome.status ? `http_${outcome.status}` : 'failed');
    return new WebhookRetryError(`webhook attempt failed: ${what}`, {
      ...(outcome.retryAfterMs === undefined ? {} : { retryAfterMs: outcome.retryAfterMs }),
      outcome,
    });
  }
}

/** Options of {@link webhookBackoffStrategy}. */
export interface BackoffOptions {
  /** Spread around each delay, as a fraction: 0.1 means ±10 %. Default 0.1. */
  jitter?: number;
  /** Source of randomness in [0, 1); fix it in tests. Default Math.random. */
  random?: () => number;
  /** Cap on a receiver's `Retry-After`, so one answer cannot park a delivery for ever. Default 24 h. */
  maxRetryAfterMs?: number;
}

/**
 * A BullMQ `settings.backoffStrategy`: after `attemptsMade` failures, wait the schedule's
 * next delay ± jitter, or the failure's `retryAfterMs` when that is longer. Returns -1
 * (BullMQ: do not retry) once the schedule is spent.
 *
 * @example
 * new Worker('webhooks', processor, { connection, settings: { backoffStrategy: webhookBackoffStrategy(schedule) } });
 */
export function webhookBackoffStrategy(
  schedule: readonly number[],
  options: BackoffOptions = {},
): (attemptsMade: number, type?: string, err?: Error, job?: unknown) => number {
  const jitter = options.jitter ?? 0.1;
  const random = options.random ?? Math.random;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 86_400_000;
  return (attemptsMade, _type, err) => {
    const base = schedule[attemptsMade];
    if (base === undefined) return -1;
    const jittered = Math.max(0, Math.round(base * (1 + jitter * (2 * random() - 1))));
    const asked = retryAfterOf(err);
    return asked === undefined ? jittered : Math.max(jittered, Math.min(asked, maxRetryAfterMs));
  };
}

// The error may have crossed a process boundary as a plain object, so read it by shape.
function retryAfterOf(err: unknown): number | undefined {
  const value = (err as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}
