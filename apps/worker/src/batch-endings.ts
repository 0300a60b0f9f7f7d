import type { FinalEventRelay } from '@nightshift/batches';
import { type BatchJobData, jobLockTiming, keyPrefix, queueNames } from '@nightshift/core';
import { isRedisUnreachable } from '@nightshift/redis';
import { type Telemetry, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** Options of {@link BatchEndings}. */
export interface BatchEndingsOptions {
  /** Blocking connection (maxRetriesPerRequest: null) for the `batches` queue's worker. */
  connection: Redis;
  relay: Pick<FinalEventRelay, 'settle' | 'relayPending'>;
  logger: Logger;
  /** `NIGHTSHIFT_JOB_LOCK_MS` for a parent job (see `jobLockTiming`). Default BullMQ's own. */
  lockMs?: number;
  /** How often pending final events are looked for. Default 2 s. */
  sweepIntervalMs?: number;
  /** How long a final event may stay pending before the sweep queues it. Default 2 s. */
  graceMs?: number;
  /** BullMQ's telemetry hook: a parent job's processing joins its batch's trace. */
  queueTelemetry?: Telemetry | undefined;
  /**
   * Hears the parents' worker errors (`RedisOutageLog.listener`, so a Redis outage is a few
   * lines). Default: each logged as `worker error`.
   */
  onWorkerError?: (error: Error) => void;
}

/**
 * The worker's side of a batch's end, after the step that recorded its last document already
 * made it final (status, counts, `completedAt`) and queued its final webhook event:
 * - consumes the `batches` queue, where a batch's BullMQ parent job becomes ready once every
 *   document job is done, so parents do not pile up; each one settles its batch (idempotent:
 *   ends a batch recorded by an older version, queues a final event still pending);
 * - sweeps final events left pending (a worker killed between the step and the queueing, or a
 *   batch ended by the API, which has no outbox: a cancel of waiting documents, a batch whose
 *   every document failed at intake).
 * Every worker runs one; whichever gets there first queues the event, once.
 *
 * @example
 * const endings = new BatchEndings({ connection: blocking, relay, logger });
 * endings.start();
 */
export class BatchEndings {
  readonly #o: BatchEndingsOptions;
  #parents: Worker<BatchJobData> | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: BatchEndingsOptions) {
    this.#o = options;
  }

  start(): void {
    const { relay, logger, lockMs } = this.#o;
    this.#parents = new Worker<BatchJobData>(
      queueNames.batches,
      async (job) => (await relay.settle(job.data.batchId))?.status ?? null,
      {
        connection: this.#o.connection,
        prefix: keyPrefix,
        concurrency: 8,
        ...(lockMs ? jobLockTiming(lockMs) : {}),
        ...(this.#o.queueTelemetry ? { telemetry: this.#o.queueTelemetry } : {}),
      },
    );
    this.#parents.on(
      'error',
      this.#o.onWorkerError ??
        ((error) => logger.error({ lane: 'batches', err: error.message }, 'worker error')),
    );
    // Redis may be away for a while: the next sweep tries again. The outage itself is logged
    // once by the connections' outage log, not by every sweep it fails.
    const sweep = () =>
      void this.sweep().catch((error: Error) => {
        if (!isRedisUnreachable(error))
          logger.warn({ err: error.message }, 'final event sweep failed');
      });
    this.#timer = setInterval(sweep, this.#o.sweepIntervalMs ?? 2_000);
    this.#timer.unref();
  }

  /** Queues the final events pending longer than the grace; returns their batch ids. */
  async sweep(): Promise<string[]> {
    const ids = await this.#o.relay.relayPending({ graceMs: this.#o.graceMs ?? 2_000 });
    for (const batchId of ids) this.#o.logger.info({ batchId }, 'final event queued by the sweep');
    return ids;
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#parents?.close();
  }
}
