import { keyPrefix, queueNames } from '@nightshift/core';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { queueDepthMetricName } from './metric-definitions.ts';
import type { CollectableMetric, MetricValue } from './stored-metric.ts';

/** Job states reported per lane: the ones an operator acts on. */
export const queueDepthStates = [
  'waiting',
  'prioritized',
  'active',
  'delayed',
  'waiting-children',
  'failed',
] as const;

/** A queue-depth gauge plus the BullMQ handles it must close. */
export interface QueueDepthMetric extends CollectableMetric {
  close(): Promise<void>;
}

/**
 * `nightshift_queue_depth{lane,state}`: BullMQ's job counts per queue, read at scrape time
 * (Redis already holds them; copying them elsewhere would only make them stale).
 *
 * @example
 * const depth = queueDepthMetric(redis);
 * registry.registerMetric(depth as unknown as Metric);
 */
export function queueDepthMetric(
  connection: Redis,
  lanes: readonly string[] = Object.values(queueNames),
  onError?: (error: Error) => void,
): QueueDepthMetric {
  const queues = lanes.map((lane) => new Queue(lane, { connection, prefix: keyPrefix }));
  if (onError) for (const queue of queues) queue.on('error', onError);
  const name = queueDepthMetricName;
  const help = 'Jobs per lane (queue) and state, from BullMQ at scrape time.';
  return {
    name,
    help,
    type: 'gauge',
    aggregator: 'sum',
    async get() {
      const counts = await Promise.all(queues.map((q) => q.getJobCounts(...queueDepthStates)));
      const values: MetricValue[] = [];
      lanes.forEach((lane, i) => {
        for (const state of queueDepthStates) {
          values.push({ labels: { lane, state }, value: counts[i]?.[state] ?? 0 });
        }
      });
      return { name, help, type: 'gauge', aggregator: 'sum', values };
    },
    async close() {
      await Promise.all(queues.map((q) => q.close()));
    },
  };
}
