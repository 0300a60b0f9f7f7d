import { keyPrefix } from '@nightshift/core';
import { type Telemetry, Worker, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** Options of {@link StallWatch}. */
export interface StallWatchOptions {
  /** Blocking connection (maxRetriesPerRequest: null), as BullMQ's workers take. */
  connection: Redis;
  queueName: string;
  /** The lane workers' own `lockDuration`, `stalledInterval` and `maxStalledCount`. */
  timing: Pick<WorkerOptions, 'lockDuration' | 'stalledInterval' | 'maxStalledCount'>;
  logger: Logger;
  telemetry?: Telemetry | undefined;
  /**
   * Hears the watch's worker errors (`RedisOutageLog.listener`, so a Redis outage is a few
   * lines). Default: each logged as `stall watch error`.
   */
  onError?: (error: Error) => void;
}

/**
 * BullMQ's stalled-job check for a queue, running whatever this worker's lane does. A lane's
 * own BullMQ worker checks only while it runs: a paused cold lane (window closed, hot work,
 * GPU full) would leave a killed worker's jobs `active` until it resumed, and each resume
 * restarts the check's clock. This watch fetches no job; it only moves jobs whose worker died
 * back to the queue, on the same schedule as the lane's workers (BullMQ lets one check per
 * interval run across all of them).
 *
 * @example
 * const watch = new StallWatch({ connection, queueName: 'cold', timing, logger });
 * watch.start();
 */
export class StallWatch {
  readonly #o: StallWatchOptions;
  #worker: Worker | undefined;

  constructor(options: StallWatchOptions) {
    this.#o = options;
  }

  start(): void {
    const { connection, queueName, timing, logger, telemetry } = this.#o;
    this.#worker = new Worker(queueName, undefined, {
      connection,
      prefix: keyPrefix,
      autorun: false,
      ...timing,
      ...(telemetry ? { telemetry } : {}),
    });
    this.#worker.on('stalled', (jobId) =>
      logger.warn({ lane: queueName, jobId }, 'job stalled: its worker stopped; back in the queue'),
    );
    this.#worker.on(
      'error',
      this.#o.onError ??
        ((error) => logger.error({ lane: queueName, err: error.message }, 'stall watch error')),
    );
    void this.#worker.startStalledCheckTimer();
  }

  async stop(): Promise<void> {
    await this.#worker?.close();
  }
}
