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
