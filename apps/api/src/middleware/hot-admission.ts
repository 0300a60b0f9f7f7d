import { type FleetRegistry, recentFleet, type WorkerStatus } from '@nightshift/fleet';
import { hotAdmission, retryAfterSeconds, type VramReading } from '@nightshift/gpu';
import type { MiddlewareHandler } from 'hono';
import { problem } from '../problem.ts';

/** Options of {@link hotLaneAdmission}. */
export interface HotLaneAdmissionOptions {
  registry: FleetRegistry;
  /** Hot jobs waiting for a slot, fleet-wide. */
  waiting: () => Promise<number>;
  /** `NIGHTSHIFT_VRAM_MAX_USED_PCT`. */
  maxUsedPct: number;
  /** `NIGHTSHIFT_HOT_MAX_QUEUE`. */
  maxQueue: number;
  /** Told each refusal's reason (`no_worker`, `hot_queue_full`, `vram`), for the 503 metric. */
  onRefuse?: (reason: 'no_worker' | 'hot_queue_full' | 'vram') => void;
  /** How long a fleet reading is reused. Default 250 ms. */
  cacheMs?: number;
}

/**
 * Protects the hot lane: `503` with an honest `Retry-After` (from observed hot job times) when
 * the hot queue is past its maximum, when no worker is online, or when every worker's GPU is
 * over the VRAM threshold with its hot slots full.
 *
 * @example
 * app.post('/v1/summaries', hotLaneAdmission({ registry, waiting, maxUsedPct: 95, maxQueue: 50 }), handler);
 */
export function hotLaneAdmission(options: HotLaneAdmissionOptions): MiddlewareHandler {
  const fleet = recentFleet(options.registry, options.cacheMs ?? 250);
  return async (c, next) => {
    const [workers, queued] = await Promise.all([fleet(), options.waiting()]);
    const slots = workers.reduce((sum, w) => sum + w.lanes.hot.slots, 0);
    const retryAfter = String(
      retryAfterSeconds(
        workers.flatMap((w) => w.recentHotMs),
        queued,
        Math.max(1, slots),
      ),
    );
    const refuse = (reason: 'no_worker' | 'hot_queue_full' | 'vram', detail: string) => {
      options.onRefuse?.(reason);
      return problem(
        c,
        503,
        'hot-lane-unavailable',
        detail,
        { queued },
        { 'retry-after': retryAfter },
      );
    };
    if (workers.length === 0)
      return refuse('no_worker', 'No worker is online to take interactive work.');
    const verdicts = workers.map((worker) =>
      hotAdmission({
        reading: toReading(worker),
        maxUsedPct: options.maxUsedPct,
        hotRunning: worker.lanes.hot.running,
        hotSlots: worker.lanes.hot.slots,
        hotQueued: queued,
        hotMaxQueue: options.maxQueue,
      }),
    );
    const open = verdicts.find((v) => v.admit);
    if (!open) {
      const reason = verdicts[0]?.reason;
      return reason === 'hot_queue_full'
        ? refuse(reason, `The hot lane has ${queued} requests waiting (limit ${options.maxQueue}).`)
        : refuse('vram', `GPU memory is over ${options.maxUsedPct}% and every hot slot is busy.`);
    }
    await next();
  };
}

function toReading(worker: WorkerStatus): VramReading {
  const at = new Date(worker.updatedAt);
  if (worker.gpu.status === 'ok') return { status: 'ok', gpus: worker.gpu.gpus, at };
  if (worker.gpu.status === 'none') return { status: 'none', at };
  return { status: 'unknown', reason: worker.gpu.reason ?? 'unknown', at };
}
