import { keyPrefix, queueNames, type SummaryResponse } from '@nightshift/core';
import { createRedis } from '@nightshift/redis';
import { Worker } from 'bullmq';

/**
 * A real BullMQ worker on the hot queue that answers every summary at once with a fixed shape,
 * so route tests exercise the hot lane's whole round trip without a model.
 *
 * @example
 * const worker = hotEchoWorker(api.redis.url, { concurrency: 16 });
 * await worker.close();
 */
export function hotEchoWorker(redisUrl: string, { concurrency = 1 } = {}): Worker {
  return new Worker(
    queueNames.hot,
    async (job): Promise<SummaryResponse> => ({
      summary: `summary of ${JSON.stringify(job.data.content).length} bytes`,
      model: job.data.model,
      degraded: false,
      usage: { promptTokens: 3, completionTokens: 2 },
      durationMs: 1,
    }),
    { connection: createRedis(redisUrl, 'worker'), prefix: keyPrefix, concurrency },
  );
}
