import type { BatchStopper, BatchStore } from '@nightshift/batches';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';

/** Options of {@link DeadlineWatch}. */
export interface DeadlineWatchOptions {
  store: BatchStore;
  stopper: Pick<BatchStopper, 'expire'>;
  coldQueue: Queue;
  /** Cold slots this worker runs now (the lane's admitted slots, which the tuner moves). */
  coldSlots: () => number;
  /** Mean duration of a cold job here (ms; one document or a group); a guess until some ran. */
  averageColdMs: () => number;
  logger: Logger;
  intervalMs?: number;
  now?: () => Date;
}

/**
 * Watches batch deadlines (`expiresAt`, from `completionWindow`):
 * - batches past their deadline expire: waiting documents end `expired`, the batch ends
 *   `expired` and its `batch.expired` webhook goes out;
 * - when the cold backlog at the current pace would miss the earliest deadline, it reports
 *   pressure, and the lane controller lets cold work run outside the window while the GPU is
 *   otherwise idle (VRAM and hot-lane rules still apply).
 * Every worker runs one; expiring is idempotent.
 */
export class DeadlineWatch {
  readonly #o: DeadlineWatchOptions;
  readonly #now: () => Date;
  #timer: NodeJS.Timeout | undefined;
  #pressure = false;

  constructor(options: DeadlineWatchOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => new Date());
  }

  start(): void {
    // Redis may be away for a while: a failed check is logged and the next one tries again.
    const tick = () =>
      void this.check().catch((error: Error) =>
        this.#o.logger.warn({ err: error.message }, 'deadline check failed'),
      );
    tick();
    this.#timer = setInterval(tick, this.#o.intervalMs ?? 5_000);
    this.#timer.unref();
  }

  /** True when the backlog would miss the earliest deadline at the current pace. */
  underPressure(): boolean {
    return this.#pressure;
  }

  async check(): Promise<void> {
    const now = this.#now();
    for (const batchId of await this.#o.store.dueForExpiry(now)) {
      await this.#o.stopper.expire(batchId);
      this.#o.logger.info({ batchId }, 'batch expired');
    }
    const deadline = await this.#o.store.nextExpiry();
    if (!deadline) {
      this.#pressure = false;
      return;
    }
    const backlog = await this.#o.coldQueue.count();
    const needMs = (backlog * this.#o.averageColdMs()) / Math.max(1, this.#o.coldSlots());
    this.#pressure = backlog > 0 && now.getTime() + needMs >= deadline.getTime();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }
}
