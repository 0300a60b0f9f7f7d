import type { QueuedBatch } from './planner.ts';

/** The parts of a stored batch the plan reads (`BatchStore.openBatches` answers these). */
export interface OpenBatchView {
  batch: {
    id: string;
    model: string;
    expiresAt: string;
    counts: { queued: number; running: number };
  };
  cancelRequested: boolean;
  expired: boolean;
}

/**
 * The open batches as the planner's work: documents queued or running, due at `expiresAt`.
 * Cancelled and expired batches are not planned for: their documents will not run.
 *
 * @example
 * queuedBatches(await batchStore.openBatches(500));
 */
export function queuedBatches(open: readonly OpenBatchView[]): QueuedBatch[] {
  return open
    .filter((b) => !b.cancelRequested && !b.expired)
    .map(({ batch }) => ({
      id: batch.id,
      model: batch.model,
      remaining: batch.counts.queued + batch.counts.running,
      deadline: Date.parse(batch.expiresAt),
    }))
    .filter((b) => b.remaining > 0 && Number.isFinite(b.deadline));
}

/** The parts of the activity series the pace is read from (`ActivitySeries.read`). */
export interface ActivityView {
  lanes: readonly { lane: string; documentsPerS: readonly number[] }[];
}

/**
 * The cold lane's pace as it actually ran: documents per second, averaged over the minutes of
 * the window in which it finished any (idle and closed minutes say nothing of its pace). Null
 * when it finished none, or in fewer than `minMinutes` minutes (too little to trust).
 *
 * @example
 * coldThroughput(await activitySeries.read()); // { documentsPerS: 0.42 }
 */
export function coldThroughput(window: ActivityView, minMinutes = 10) {
  const cold = window.lanes.find((l) => l.lane === 'cold')?.documentsPerS ?? [];
  const active = cold.filter((perS) => perS > 0);
  if (active.length < minMinutes) return { documentsPerS: null };
  return { documentsPerS: active.reduce((sum, perS) => sum + perS, 0) / active.length };
}
