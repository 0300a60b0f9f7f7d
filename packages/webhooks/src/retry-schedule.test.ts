import { describe, expect, it } from 'vitest';
import type { AttemptOutcome } from './deliver.ts';
import {
  attemptsForSchedule,
  DEFAULT_RETRY_SCHEDULE,
  parseRetrySchedule,
  WebhookRetryError,
  webhookBackoffStrategy,
} from './retry-schedule.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;

describe('parseRetrySchedule', () => {
  it('parses the default schedule', () => {
    expect(parseRetrySchedule()).toEqual([0, 5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 10 * H]);
    expect(parseRetrySchedule('')).toEqual(parseRetrySchedule(DEFAULT_RETRY_SCHEDULE));
  });

  it('accepts ms, s, m, h, d, decimals and spaces', () => {
    expect(parseRetrySchedule('250ms, 1.5s ,2m,1h,1d')).toEqual([250, 1500, 2 * M, H, 24 * H]);
  });

  it.each(['5', '5x', '-5s', '5s,,5m', 'soon'])('rejects %j', (spec) => {
    expect(() => parseRetrySchedule(spec)).toThrow(RangeError);
  });

  it('gives one attempt per entry', () => {
    expect(attemptsForSchedule(parseRetrySchedule())).toBe(8);
    expect(attemptsForSchedule([])).toBe(1);
  });
});

describe('webhookBackoffStrategy', () => {
  const schedule = parseRetrySchedule();

  it('returns the next delay of the schedule with no jitter when random is the midpoint', () => {
    const backoff = webhookBackoffStrategy(schedule, { random: () => 0.5 });
    // BullMQ passes attemptsMade = failures so far: after the 1st failure, wait entry 1 (5 s).
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoff(n, 'webhook'))).toEqual(schedule.slice(1));
  });

  it('spreads each delay by ±jitter', () => {
    const low = webhookBackoffStrategy(schedule, { jitter: 0.1, random: () => 0 });
    const high = webhookBackoffStrategy(schedule, { jitter: 0.1, random: () => 1 });
    expect(low(2)).toBe(270 * S);
    expect(high(2)).toBe(330 * S);
    expect(webhookBackoffStrategy(schedule, { jitter: 0, random: () => 0 })(2)).toBe(5 * M);
  });

  it('says stop (-1) once the schedule is spent', () => {
    const backoff = webhookBackoffStrategy(schedule, { random: () => 0.5 });
    expect(backoff(8)).toBe(-1);
    expect(backoff(20)).toBe(-1);
  });

  it("waits the receiver's Retry-After when it is longer, within a cap", () => {
    const backoff = webhookBackoffStrategy(schedule, {
      random: () => 0.5,
      maxRetryAfterMs: 6 * H,
    });
    expect(backoff(1, 'webhook', new WebhookRetryError('503', { retryAfterMs: 60 * S }))).toBe(
      60 * S,
    );
    expect(backoff(3, 'webhook', new WebhookRetryError('429', { retryAfterMs: 60 * S }))).toBe(
      30 * M,
    );
    expect(backoff(1, 'webhook', new WebhookRetryError('503', { retryAfterMs: 99 * H }))).toBe(
      6 * H,
    );
    // An error that lost its class on the way (plain object shape) still counts.
    const plain = Object.assign(new Error('x'), { retryAfterMs: 20 * S });
    expect(backoff(1, 'webhook', plain)).toBe(20 * S);
    expect(backoff(1, 'webhook', new Error('no hint'))).toBe(5 * S);
  });
});

describe('WebhookRetryError.fromOutcome', () => {
  it('carries the outcome and its Retry-After', () => {
    const outcome: AttemptOutcome = {
      ok: false,
      status: 503,
      durationMs: 3,
      error: 'http_503',
      retryAfterMs: 2000,
      decision: 'retry',
    };
    const err = WebhookRetryError.fromOutcome(outcome);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('WebhookRetryError');
    expect(err.message).toContain('http_503');
    expect(err.retryAfterMs).toBe(2000);
    expect(err.outcome).toBe(outcome);
  });
});
