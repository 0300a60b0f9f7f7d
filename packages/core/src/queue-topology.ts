/**
 * Every key Nightshift writes starts with this prefix. The braces are a Redis Cluster hash tag:
 * all queues and batch records hash to one slot, which BullMQ flows (parent and children in
 * different queues) and our multi-key scripts need.
 */
export const keyPrefix = '{nightshift}';

/** The queues of docs/ARCHITECTURE.md's picture. */
export const queueNames = {
  /** Parent jobs: one per batch, completes when every document is done. */
  batches: 'batches',
  /** Batch documents: drained by GPU workers in off-peak windows. */
  cold: 'cold',
  /** Interactive one-document summaries: served first, at any hour. */
  hot: 'hot',
  /** Signed webhook deliveries. */
  webhooks: 'webhooks',
} as const;
export type QueueName = (typeof queueNames)[keyof typeof queueNames];

/**
 * BullMQ lock and stalled-check settings that keep `NIGHTSHIFT_JOB_LOCK_MS`'s promise: a job
 * whose worker died is back in its queue within `lockMs` of the death, once a worker of that
 * queue is running (or within `lockMs` of that worker's start, if none was). BullMQ renews a
 * lock every half of its duration and moves a job only at a stalled check that finds its lock
 * gone (and that saw it active the time before), so a job comes back after at most the lock's
 * duration plus one check interval: two thirds plus one third of `lockMs`. Using `lockMs` for
 * both, as BullMQ's defaults do, took up to twice as long (and more across restarts).
 *
 * @example
 * new Worker(name, processor, { connection, ...jobLockTiming(30_000) }); // lock 20 s, checks every 10 s
 */
export function jobLockTiming(lockMs: number): { lockDuration: number; stalledInterval: number } {
  const stalledInterval = Math.max(1, Math.floor(lockMs / 3));
  return { lockDuration: lockMs - stalledInterval, stalledInterval };
}
