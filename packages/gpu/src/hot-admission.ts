import { summarizeVram, type VramReading } from './vram-reading.ts';

/** Why a hot request is taken or turned away (503). */
export type HotAdmissionReason =
  /** Take it. */
  | 'ok'
  /** The hot queue would pass `NIGHTSHIFT_HOT_MAX_QUEUE`. */
  | 'hot_queue_full'
  /** VRAM use is over the threshold and every hot slot is busy. */
  | 'vram_over_threshold';

/** Inputs of {@link hotAdmission}. */
export interface HotAdmissionInput {
  /** The latest (cached) VRAM reading. `unknown` and `none` never turn hot work away. */
  reading: VramReading;
  /** `NIGHTSHIFT_VRAM_MAX_USED_PCT`. */
  maxUsedPct: number;
  /** Hot jobs running now (across the workers the caller counts). */
  hotRunning: number;
  /** Hot slots of those workers (`NIGHTSHIFT_HOT_CONCURRENCY` × workers). */
  hotSlots: number;
  /** Hot jobs waiting now, not counting this request. */
  hotQueued: number;
  /** `NIGHTSHIFT_HOT_MAX_QUEUE`: at most this many may wait. */
  hotMaxQueue: number;
}

/** Decision of {@link hotAdmission}. */
export interface HotAdmission {
  /** Take the request; otherwise answer 503 with `retryAfterSeconds`. */
  admit: boolean;
  /** Why. */
  reason: HotAdmissionReason;
}

/**
 * Hot-lane protection at the API. A request is rejected when queueing it would make more than
 * `hotMaxQueue` wait, or when VRAM use is over the threshold and the hot lane is already full
 * (a new session then would have nowhere to go). Over the threshold with a free hot slot,
 * it is taken: cold work has already stopped, and the hot lane always wins. A failed probe
 * does not turn users away.
 *
 * @example
 * hotAdmission({ reading, maxUsedPct: 95, hotRunning: 2, hotSlots: 2, hotQueued: 0, hotMaxQueue: 50 });
 * // { admit: false, reason: 'vram_over_threshold' } when the reading says 96 %
 */
export function hotAdmission(input: HotAdmissionInput): HotAdmission {
  if (input.hotQueued + 1 > input.hotMaxQueue) return { admit: false, reason: 'hot_queue_full' };
  const { reading } = input;
  if (
    reading.status === 'ok' &&
    summarizeVram(reading.gpus).usedPct > input.maxUsedPct &&
    input.hotRunning >= input.hotSlots
  ) {
    return { admit: false, reason: 'vram_over_threshold' };
  }
  return { admit: true, reason: 'ok' };
}
