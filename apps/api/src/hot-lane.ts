import { type HotJobData, keyPrefix, queueNames, type SummaryResponse } from '@nightshift/core';
import { Queue, QueueEvents, type Telemetry } from 'bullmq';
import type { Redis } from 'ioredis';

/** Options of {@link HotLane}. */
export interface HotLaneOptions {
  /** Client connection for adding jobs. */
  connection: Redis;
  /** A dedicated blocking connection factory for QueueEvents. */
  eventsConnection: Redis;
  /** BullMQ's telemetry hook: the worker's summary joins the request's trace. */
  queueTelemetry?: Telemetry | undefined;
  /**
   * Hears the queue handles' errors (a Redis outage: `RedisOutageLog.listener`). Absent,
   * BullMQ prints each one with its stack.
   */
  onQueueError?: (error: Error) => void;
}

/** Why a hot summary did not come back. */
export class HotLaneError extends Error {
  constructor(
    readonly kind: 'timeout' | 'failed' | 'document',
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/**
 * The API's side of the hot lane: puts one interactive summary on the `hot` queue and waits
 * for a worker to answer. Workers serve this queue before anything cold.
 *
 * @example
 * const answer = await hotLane.summarize(data, 120_000);
 */
export class HotLane {
  readonly queue: Queue<HotJobData>;
  readonly #events: QueueEvents;

  constructor(options: HotLaneOptions) {
    this.queue = new Queue(queueNames.hot, {
      connection: options.connection,
      prefix: keyPrefix,
      ...(options.queueTelemetry ? { telemetry: options.queueTelemetry } : {}),
    });
    this.#events = new QueueEvents(queueNames.hot, {
      connection: options.eventsConnection,
      prefix: keyPrefix,
    });
    const { onQueueError } = options;
    if (onQueueError) {
      this.queue.on('error', onQueueError);
      this.#events.on('error', onQueueError);
    }
  }

  /** Jobs waiting for a hot slot. */
  async waiting(): Promise<number> {
    return this.queue.count();
  }

  async summarize(data: HotJobData, timeoutMs: number): Promise<SummaryResponse> {
    await this.#events.waitUntilReady();
    const job = await this.queue.add('summary', data, {
      removeOnComplete: { age: 300 },
      removeOnFail: { age: 3600 },
    });
    try {
      return (await job.waitUntilFinished(this.#events, timeoutMs)) as SummaryResponse;
    } catch (error) {
      const message = (error as Error).message;
      if (/timed out/i.test(message)) {
        // Nobody waits any more: drop it if no worker took it yet (an active job finishes unseen).
        await job.remove().catch(() => {});
        throw new HotLaneError('timeout', `No summary within ${Math.round(timeoutMs / 1000)} s.`);
      }
      const document = /^document:(\w+): (.*)$/s.exec(message);
      if (document) throw new HotLaneError('document', document[2] as string, document[1]);
      throw new HotLaneError('failed', message);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.queue.close(), this.#events.close()]);
  }
}
