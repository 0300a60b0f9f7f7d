/** Options of {@link retryAfterSeconds}. */
export interface RetryAfterOptions {
  /** Assumed hot job time before any was observed. Default 30 000 ms. */
  defaultDurationMs?: number;
  /** Bounds of the answer in seconds. Default 1 and 120 (the hot lane's read timeout). */
  minSeconds?: number;
  maxSeconds?: number;
}

/**
 * An honest `Retry-After` for a 503 from the hot lane: the median observed hot job time
 * times the number of waves ahead of the caller, `p50 × ⌈(queued + 1) / slots⌉`, in whole
 * seconds clamped to [1, 120].
 *
 * @example
 * retryAfterSeconds([4000, 6000, 5000], 3, 2); // 10 (5 s median, 2 waves)
 */
export function retryAfterSeconds(
  observedHotDurationsMs: readonly number[],
  queued: number,
  slots: number,
  options: RetryAfterOptions = {},
): number {
  const min = options.minSeconds ?? 1;
  const max = options.maxSeconds ?? 120;
  const durations = observedHotDurationsMs
    .filter((ms) => Number.isFinite(ms) && ms >= 0)
    .sort((a, b) => a - b);
  // Nearest-rank median: an observed value, never an interpolation.
  const p50 =
    durations.length > 0
      ? (durations[Math.ceil(durations.length / 2) - 1] ?? 0)
      : (options.defaultDurationMs ?? 30_000);
  const waves = Math.ceil((Math.max(0, queued) + 1) / Math.max(1, slots));
  const seconds = Math.ceil((p50 * waves) / 1000);
  return Math.min(max, Math.max(min, Number.isFinite(seconds) ? seconds : max));
}
