import type { FleetRegistry } from './fleet-registry.ts';
import type { WorkerStatus } from './worker-status.ts';

/**
 * The fleet as last read, read again once it is older than `maxAgeMs`: admission checks on every
 * request need the workers' GPU readings, not a Redis read per request.
 *
 * @example
 * const fleet = recentFleet(registry, 250);
 * const workers = await fleet();
 */
export function recentFleet(
  registry: Pick<FleetRegistry, 'list'>,
  maxAgeMs: number,
): () => Promise<WorkerStatus[]> {
  let cached: { at: number; workers: WorkerStatus[] } | undefined;
  return async () => {
    if (!cached || Date.now() - cached.at > maxAgeMs) {
      cached = { at: Date.now(), workers: await registry.list() };
    }
    return cached.workers;
  };
}
