import type { Redis } from 'ioredis';
import type { RunCoordinator } from 'node-cron';
import { scheduleKeys } from './schedule-keys.ts';

/** Options of {@link RedisRunCoordinator}. */
export interface RedisRunCoordinatorOptions {
  /** A client connection. */
  redis: Redis;
  /**
   * Shortest time a fire's lock is kept, whatever node-cron asks. The lock is never released
   * early: a replica whose clock runs late must still find the slot taken. Default 1 h.
   */
  minLeaseMs?: number;
}

/**
 * node-cron's `RunCoordinator` on Redis: the first replica to `SET NX` the key of a fire
 * (`<schedule id>:<ISO slot>`) runs it; every other replica is told no. Catch-up fires claim
 * the same keys, so a slot never runs twice, however it is reached.
 *
 * @example
 * const coordinator = new RedisRunCoordinator({ redis });
 * cron.createTask(schedule.cron, fire, { name: schedule.id, distributed: true, runCoordinator: coordinator });
 */
export class RedisRunCoordinator implements RunCoordinator {
  readonly #redis: Redis;
  readonly #minLeaseMs: number;

  constructor(options: RedisRunCoordinatorOptions) {
    this.#redis = options.redis;
    this.#minLeaseMs = options.minLeaseMs ?? 3_600_000;
  }

  async shouldRun(key: string, ttlMs: number): Promise<boolean> {
    const lease = Math.max(ttlMs, this.#minLeaseMs);
    const reply = await this.#redis.set(scheduleKeys.fireLock(key), '1', 'PX', lease, 'NX');
    return reply === 'OK';
  }

  /** Kept on purpose: releasing would let a late replica run the same slot again. */
  onComplete(): void {}
}

/** node-cron's coordination key of one fire: the task name (schedule id) and the ISO slot. */
export const fireKey = (scheduleId: string, slot: Date) => `${scheduleId}:${slot.toISOString()}`;
