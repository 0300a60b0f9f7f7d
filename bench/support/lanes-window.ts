/**
 * Lanes (c): window transitions measured in-process on the worker's own `ColdLaneController`
 * with an injected clock, so no run waits for a real minute boundary. A backlog waits on a cold
 * queue; the clock moves to the window's opening (and `evaluate()` runs, as the node-cron task
 * does at that minute), then to its close.
 */
import { keyPrefix } from '@nightshift/core';
import { createNoneProbe, parseColdWindows } from '@nightshift/gpu';
import { ColdLaneController } from '@nightshift/lanes';
import { type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { sleep, until } from './stats.ts';

/** One open/close cycle. */
export interface WindowCycle {
  /** evaluate() at the opening minute (the cron fire) to the first cold job's start, ms. */
  openToFirstStartMs: number;
  /** The same when only the controller's 250 ms poll notices the opening, ms. */
  pollOnlyOpenMs: number;
  /** Cold jobs started after the close was evaluated, with a backlog still waiting. */
  startsAfterClose: number;
}

/** Runs `cycles` open/close cycles with `slots` cold slots and a backlog. */
export async function windowCycles(
  redisUrl: string,
  slots: number,
  cycles: number,
): Promise<WindowCycle[]> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const blocking = connection.duplicate();
  let now = new Date('2026-11-27T21:59:59Z');
  const starts: number[] = [];
  const cold = new Queue('bench-window-cold', { connection, prefix: keyPrefix });
  const hot = new Queue('bench-window-hot', { connection, prefix: keyPrefix });
  let tracked: (job: Job, token?: string) => Promise<void> = async () => {};
  const worker = new Worker('bench-window-cold', (job, token) => tracked(job, token), {
    connection: blocking,
    prefix: keyPrefix,
    autorun: false,
    concurrency: slots,
  });
  const lane = new ColdLaneController({
    coldWorker: worker,
    hotQueue: hot,
    windows: parseColdWindows('22:00-06:00'),
    timeZone: 'UTC',
    probe: createNoneProbe(),
    reserveMiB: 0,
    memoryPerSlotMiB: 1536,
    maxSlots: slots,
    graceMs: 0,
    now: () => now,
  });
  tracked = lane.track(async () => {
    starts.push(performance.now());
    await sleep(20); // a short "chunk": the backlog keeps the slots asking for more
  });
  const out: WindowCycle[] = [];
  try {
    await cold.addBulk(Array.from({ length: 5_000 }, (_, i) => ({ name: `doc-${i}`, data: {} })));
    await lane.start();
    for (let cycle = 0; cycle < cycles; cycle++) {
      // Opening, as the cron task at 22:00 sees it.
      now = new Date(`2026-11-${27 + cycle}T22:00:00Z`);
      const before = starts.length;
      const opened = performance.now();
      await lane.evaluate();
      await until(() => starts.length > before, 5_000, 'first cold start', 1);
      const openToFirstStartMs = (starts[before] as number) - opened;

      now = new Date(`2026-11-${28 + cycle}T06:00:00Z`);
      await lane.evaluate();
      await sleep(100); // jobs fetched before the close finish; none may start from here
      const closedAt = performance.now();
      await sleep(1_000);
      const startsAfterClose = starts.filter((t) => t > closedAt).length;

      // Opening noticed by the poll alone (a worker whose cron tick was missed).
      now = new Date(`2026-11-${28 + cycle}T22:00:00Z`);
      const pollBefore = starts.length;
      const pollOpened = performance.now();
      await until(() => starts.length > pollBefore, 5_000, 'first cold start (poll)', 1);
      const pollOnlyOpenMs = (starts[pollBefore] as number) - pollOpened;
      now = new Date(`2026-11-${29 + cycle}T06:00:00Z`);
      await lane.evaluate();
      await sleep(100);
      out.push({ openToFirstStartMs, pollOnlyOpenMs, startsAfterClose });
    }
  } finally {
    await lane.stop();
    await worker.close(true);
    await cold.obliterate({ force: true });
    await Promise.all([cold.close(), hot.close()]);
    blocking.disconnect();
    connection.disconnect();
  }
  return out;
}
