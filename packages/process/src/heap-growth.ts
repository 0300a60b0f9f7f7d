import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';

/**
 * The V8 flag that caps how far the heap may grow above the live data between two full
 * collections, or null when it should be left alone: `percent` 0 keeps V8's own heuristic
 * (which lets the heap grow up to 4× the live data), and a `--heap-growing-percent` the
 * operator passed in `NODE_OPTIONS` or on the command line wins.
 *
 * Why: documents die old (they stay alive across a model call, so scavenges promote them), and
 * with the default heuristic a worker's resident memory climbs with the volume of text it has
 * seen until the first full collection, long after the live data stopped growing.
 *
 * @example
 * heapGrowthFlag(25, process.execArgv, process.env.NODE_OPTIONS) // '--heap-growing-percent=25'
 */
export function heapGrowthFlag(
  percent: number,
  execArgv: readonly string[],
  nodeOptions: string | undefined,
): string | null {
  if (percent <= 0) return null;
  const given = (arg: string) => /^--heap[-_]growing[-_]percent\b/.test(arg);
  if (execArgv.some(given) || (nodeOptions ?? '').split(/\s+/).some(given)) return null;
  return `--heap-growing-percent=${percent}`;
}

/**
 * The growth percent to give V8 for `liveBytes` of live data: `percent`, or more where the heap
 * would then stay under `floorMiB` mebibytes, so a small heap may fill up to the floor before its
 * next full collection. A worker keeps ~30 MB alive; at 25% it was collected in full every ~8 MB,
 * which cost a tenth of its throughput. A large heap (an upload's text) keeps the percent alone.
 * Never above 300 (V8's own heuristic reaches about that).
 *
 * @example
 * growthPercentFor(32 * 2 ** 20, 25, 48) // 50: 32 MiB alive may grow to 48 MiB
 * growthPercentFor(64 * 2 ** 20, 25, 48) // 25: 80 MiB, above the floor already
 */
export function growthPercentFor(liveBytes: number, percent: number, floorMiB: number): number {
  const live = Math.max(liveBytes, 1);
  const toFloor = Math.ceil(((floorMiB * 2 ** 20) / live - 1) * 100);
  return Math.min(300, Math.max(percent, toFloor));
}

/** A running {@link limitHeapGrowth}. */
export interface HeapGrowthLimit {
  /** The percent V8 was given last. */
  percent(): number;
  /** Stops following full collections (the process keeps the last percent). */
  stop(): void;
}

/**
 * Applies {@link heapGrowthFlag} to this process, or returns null where it leaves V8 alone. V8
 * reads the factor at every full collection, so it can follow the live data: with a `floorMiB`,
 * the percent is set again after each full collection from what stayed alive
 * ({@link growthPercentFor}): the heap may fill up to the floor, and above it grows by `percent`.
 *
 * @example
 * limitHeapGrowth(25, 48); // 25% above the live data, or up to 48 MiB if that is more
 */
export function limitHeapGrowth(percent: number, floorMiB = 0): HeapGrowthLimit | null {
  if (!heapGrowthFlag(percent, process.execArgv, process.env.NODE_OPTIONS)) return null;
  let current = 0;
  const apply = () => {
    const next = growthPercentFor(getHeapStatistics().used_heap_size, percent, floorMiB);
    if (next === current) return;
    current = next;
    setFlagsFromString(`--heap-growing-percent=${next}`);
  };
  apply();
  if (floorMiB <= 0) return { percent: () => current, stop: () => {} };
  // Entries arrive just after each collection; only a full one changes what is alive.
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (
        (entry as { detail?: { kind?: number } }).detail?.kind ===
        constants.NODE_PERFORMANCE_GC_MAJOR
      ) {
        apply();
        return;
      }
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return { percent: () => current, stop: () => observer.disconnect() };
}
