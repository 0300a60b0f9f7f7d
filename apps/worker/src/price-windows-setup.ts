import { coldPaceByModel } from '@nightshift/accounting';
import type { ColdWindowState } from '@nightshift/gpu';
import { parseColdWindows } from '@nightshift/gpu';
import { ActivitySeries, nightshiftMetrics } from '@nightshift/metrics';
import {
  coldThroughput,
  describePriceSource,
  PlannedWindows,
  PricePlanning,
  PriceStore,
  parsePriceSource,
  queuedBatches,
} from '@nightshift/price-windows';
import type { Services } from '@nightshift/services';
import type { Logger } from 'pino';

/** A worker's part in price-aware windows: the plan it reads, and its turn at planning. */
export interface WorkerPriceWindows {
  /** The cold window under the shared plan (null: none, the fixed windows decide). */
  plannedWindow: (at: Date) => ColdWindowState | null;
  stop(): Promise<void>;
}

/** Planning rounds: a submitted batch is in the plan within this. */
const planEveryMs = 60_000;
/** A model's pace is read from this much GPU accounting: last night's run and the one before. */
const paceLookBackMs = 2 * 86_400_000;

/**
 * With `NIGHTSHIFT_PRICE_SOURCE` set, every worker reads the shared plan for its cold lane and
 * takes its turn (one replica at a time, by lease) at refreshing the prices and planning; the
 * planner publishes the at-risk gauge. Unset: null, and the lane keeps the fixed windows.
 *
 * @example
 * const price = await startPriceWindows(services, logger, workerId);
 * new ColdLaneController({ ..., ...(price ? { plannedWindow: price.plannedWindow } : {}) });
 */
export async function startPriceWindows(
  services: Services,
  logger: Logger,
  workerId: string,
): Promise<WorkerPriceWindows | null> {
  const { config } = services;
  if (!config.NIGHTSHIFT_PRICE_SOURCE) return null;
  const source = parsePriceSource(config.NIGHTSHIFT_PRICE_SOURCE);
  const limits = parseColdWindows(config.NIGHTSHIFT_COLD_WINDOWS);
  const store = new PriceStore({ redis: services.client });
  const series = new ActivitySeries({ redis: services.client });
  const recorder = services.metricsRecorder;
  const planning = new PricePlanning({
    store,
    source,
    limits: { spec: config.NIGHTSHIFT_COLD_WINDOWS, windows: limits },
    timeZone: config.NIGHTSHIFT_TZ,
    queued: async () => queuedBatches(await services.batchStore.openBatches(500)),
    throughput: async () => coldThroughput(await series.read()),
    // Each model's own pace, from the GPU time its documents took on each of its servers.
    modelThroughput: async () => {
      const now = Date.now();
      const from = now - paceLookBackMs;
      const [{ calls }, documents] = await Promise.all([
        services.gpuAccounting.store.hours(from, now),
        services.gpuAccounting.documents.hours(from, now),
      ]);
      const paces = coldPaceByModel({ calls, documents });
      return new Map([...paces].map(([model, pace]) => [model, pace.documentsPerS]));
    },
    holder: workerId,
    log: logger,
    intervalMs: planEveryMs,
    onPlan: (plan) =>
      recorder.set(nightshiftMetrics.pricePlanAtRisk, {}, plan.atRisk.length, planEveryMs * 3),
  });
  const planned = new PlannedWindows({ store, limits, timeZone: config.NIGHTSHIFT_TZ });
  // A first round before the lane reads the plan: a worker that starts the fleet must not run
  // on the fixed windows until its first refresh. A failure is the next round's to retry.
  await planning.round().catch(() => null);
  await planned.start();
  planning.start({ now: false });
  logger.info(
    { source: describePriceSource(source), limits: config.NIGHTSHIFT_COLD_WINDOWS },
    'price-aware windows: the cold lane follows the price plan within the fixed windows',
  );
  return {
    plannedWindow: (at) => planned.state(at),
    async stop() {
      planned.stop();
      await planning.stop();
    },
  };
}
