import { setFlagsFromString } from 'node:v8';

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
 * Applies {@link heapGrowthFlag} to this process; returns the flag it set, or null where it
 * leaves V8 alone.
 *
 * @example
 * limitHeapGrowth(25); // '--heap-growing-percent=25'
 */
export function limitHeapGrowth(percent: number): string | null {
  const flag = heapGrowthFlag(percent, process.execArgv, process.env.NODE_OPTIONS);
  if (flag) setFlagsFromString(flag);
  return flag;
}
