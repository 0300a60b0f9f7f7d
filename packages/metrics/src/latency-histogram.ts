/**
 * Upper bounds (ms) of the latency bins: 50 ms growing by a quarter per bin up to about five
 * minutes (the longest hot wait allowed), then one open bin. A p95 read from them is off by at
 * most a quarter, and a minute of samples costs a handful of hash fields instead of a sorted
 * list of every duration.
 */
export const latencyBinBoundsMs: readonly number[] = Array.from({ length: 40 }, (_, i) =>
  Math.round(50 * 1.25 ** i),
);

/** The bin a duration falls into: the first whose bound it does not pass (the last is open). */
export function latencyBin(durationMs: number): number {
  const bin = latencyBinBoundsMs.findIndex((bound) => durationMs <= bound);
  return bin === -1 ? latencyBinBoundsMs.length : bin;
}

/**
 * The 95th percentile of binned samples, as the upper bound of the bin it falls in (never
 * below the exact value, at most 25 % above it); null without samples. Samples past the last
 * bound count as that bound.
 *
 * @example
 * p95FromBins(new Map([[latencyBin(800), 19], [latencyBin(4000), 1]])); // 954 (the 800 ms bin)
 */
export function p95FromBins(counts: ReadonlyMap<number, number>): number | null {
  let total = 0;
  for (const n of counts.values()) total += n;
  if (total <= 0) return null;
  const rank = Math.ceil(total * 0.95);
  let seen = 0;
  const bins = [...counts.keys()].sort((a, b) => a - b);
  const lastBound = latencyBinBoundsMs[latencyBinBoundsMs.length - 1] as number;
  for (const bin of bins) {
    seen += counts.get(bin) ?? 0;
    if (seen >= rank) return latencyBinBoundsMs[bin] ?? lastBound;
  }
  return lastBound;
}
