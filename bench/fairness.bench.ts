/**
 * Fairness in the cold lane (issue 3, item 9): a big tenant's batch is queued, a worker starts
 * draining it, then a small tenant submits a few documents. Reported: the position (1-based,
 * in start order) at which the small tenant's last document started, with turn-taking
 * (`FairShare`) and with plain FIFO (no `priorityFor`), side by side on the same Redis.
 *
 * Run: `npx tsx bench/fairness.bench.ts` (spawns its own redis-server, or uses REDIS_URL).
 */
import { BatchStore, BatchSubmitter, FairShare } from '@nightshift/batches';
import { type ColdJobData, keyPrefix, queueNames } from '@nightshift/core';
import { createRedis } from '@nightshift/redis';
import { startRedis } from '@nightshift/testkit/redis-harness';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';

/** One scenario's outcome. */
export interface FairnessRow {
  /** Documents in the big tenant's batch. */
  big: number;
  /** Documents in the small tenant's batch, submitted after the big one started draining. */
  small: number;
  /** Parallel worker slots. */
  slots: number;
  /** Jobs already started when the small batch arrived (fair run). */
  startedBeforeSmall: number;
  /** Position at which the small tenant's last document started, with FairShare. */
  fairLastPosition: number;
  /** The same, FIFO. */
  fifoLastPosition: number;
  /** fifo / fair: how many times sooner the small tenant is done. */
  speedup: number;
}

const scenarios = [
  { big: 1_000, small: 20, slots: 1 },
  { big: 5_000, small: 20, slots: 1 },
  { big: 5_000, small: 20, slots: 4 },
];

const batch = (tenant: string, count: number) => ({
  tenant,
  documents: Array.from({ length: count }, (_, i) => ({
    id: `${tenant}_${i}`,
    content: { kind: 'text' as const, text: 'x' },
  })),
  model: 'bench-model',
  summary: {},
  metadata: {},
  webhook: null,
  completionWindow: '24h',
});

/** Runs one scenario; returns the small tenant's last start position and how many preceded it. */
async function once(
  url: string,
  client: Redis,
  fair: boolean,
  big: number,
  small: number,
  slots: number,
) {
  await client.flushall();
  const fairShare = new FairShare({ redis: client });
  const store = new BatchStore({ redis: client, resultTtlMs: 60_000 });
  const submitter = new BatchSubmitter({
    connection: client,
    store,
    attempts: 1,
    resultTtlMs: 60_000,
    ...(fair ? { priorityFor: fairShare.priorityFor } : {}),
  });
  const started: string[] = [];
  let smallLeft = small;
  let wake: () => void = () => {};
  const progress = () => new Promise<void>((resolve) => (wake = resolve));
  const connection = createRedis(url, 'worker');
  await submitter.submit(batch('big', big));
  const worker = new Worker<ColdJobData>(
    queueNames.cold,
    async (job) => {
      if (fair) await fairShare.advance(job.priority);
      started.push(job.data.tenant);
      if (job.data.tenant === 'small') smallLeft--;
      wake();
    },
    { connection, prefix: keyPrefix, concurrency: slots },
  );
  while (started.length < 10) await progress();
  await submitter.submit(batch('small', small));
  const startedBeforeSmall = started.length;
  while (smallLeft > 0) await progress();
  await worker.close(true);
  await submitter.close();
  connection.disconnect();
  return { startedBeforeSmall, last: started.lastIndexOf('small') + 1 };
}

/** Runs every scenario, fair and FIFO, and returns one row each. */
export async function run(): Promise<FairnessRow[]> {
  const redis = await startRedis();
  const client = createRedis(redis.url, 'client');
  const rows: FairnessRow[] = [];
  try {
    for (const { big, small, slots } of scenarios) {
      const fair = await once(redis.url, client, true, big, small, slots);
      const fifo = await once(redis.url, client, false, big, small, slots);
      rows.push({
        big,
        small,
        slots,
        startedBeforeSmall: fair.startedBeforeSmall,
        fairLastPosition: fair.last,
        fifoLastPosition: fifo.last,
        speedup: Math.round((fifo.last / fair.last) * 10) / 10,
      });
    }
  } finally {
    client.disconnect();
    await redis.stop();
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await run();
  console.log('Cold-lane fairness: position at which the small tenant’s last document started');
  console.table(rows);
}
