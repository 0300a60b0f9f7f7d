import { keyPrefix, queueNames } from '@nightshift/core';
import { luaScript } from '@nightshift/redis';
import { PRIORITY_LIMIT } from 'bullmq';
import type { Redis } from 'ioredis';

/** Options of {@link FairShare}. */
export interface FairShareOptions {
  /** Any non-blocking connection; every replica may hold its own. */
  redis: Redis;
  /** Queue whose turns this orders (its BullMQ keys are read to find the head). Default `cold`. */
  queueName?: string;
  /**
   * Highest priority handed out. Tags past it are clamped to it, so documents there run FIFO
   * among themselves until the lane drains and the clock restarts. Default BullMQ's
   * `PRIORITY_LIMIT` (2,097,151).
   */
  maxPriority?: number;
  /**
   * Restart the virtual clock at 0 when the lane is empty and tags handed out have passed this.
   * Default: half of `maxPriority`, so restarts are rare and the ceiling is far.
   */
  rebaseAbove?: number;
  /**
   * Restart only when the last reservation is at least this old: a reserved batch's flow may
   * still be on its way into the queue, and restarting under it would let its tenant's next
   * batch overtake it. Default 60 s.
   */
  rebaseGraceMs?: number;
  /**
   * Model groups: with more than 1, each round of `roundLength` turns runs one model's
   * documents together before the next model's, so a GPU worker does not swap models back and
   * forth between tenants that use different ones. Fairness then holds per round rather than
   * per document (a tenant waits at most `roundLength × (modelGroups − 1)` extra turns).
   * Models beyond this many share groups. Default 1: no grouping.
   */
  modelGroups?: number;
  /** Turns per round when grouping by model. Default 64. */
  roundLength?: number;
  /**
   * A process reports job starts to the clock at most this often (ms); 0 reports every one.
   * Default 50: the clock is a lower bound that each reservation also lifts from the queue's
   * head, so a few tens of milliseconds of lag cost nothing and save a round trip per document.
   */
  advanceEveryMs?: number;
}

/** What the clock looks like, for tests and metrics. */
export interface FairShareState {
  /** Virtual time: no waiting document has a tag below it. */
  virtualTime: number;
  /** Highest tag handed out since the clock last restarted. */
  issued: number;
  /** Each tenant's finish tag: where its next batch starts unless the clock has passed it. */
  finish: Record<string, number>;
}

/** The turn tag of a priority (inverse of {@link priorityOfTag}, dropping the group). */
export function tagOfPriority(priority: number, groups: number, round: number): number {
  const p0 = priority - 1;
  return Math.floor(p0 / (round * groups)) * round + ((p0 % (round * groups)) % round) + 1;
}

/**
 * The BullMQ priority of a turn tag (1, 2, 3, …), so that within each round of Q tags model
 * group 0 runs first, then group 1, …: p = ⌊(t−1)/Q⌋·Q·S + g·Q + (t−1) mod Q + 1. With S = 1
 * the mapping is the identity. lua/shared/tag-of-priority.lua holds the inverse for the scripts.
 */
export function priorityOfTag(tag: number, group: number, groups: number, round: number): number {
  const t0 = tag - 1;
  return Math.floor(t0 / round) * round * groups + group * round + (t0 % round) + 1;
}

/** Reserves a tenant's next turns; KEYS, ARGV and the answer are listed in the .lua file. */
const reserveScript = luaScript(new URL('./lua/fair-share-reserve.lua', import.meta.url));

/** Moves the virtual clock up to a job that just started (see the .lua file). */
const advanceScript = luaScript(new URL('./lua/fair-share-advance.lua', import.meta.url));

/**
 * Turn-taking across tenants on one lane: start-time fair queuing on BullMQ priorities.
 *
 * Each document costs one unit of virtual time. A new batch of tenant t starts at
 * `max(F_t, V)`, where F_t is where t's previous batch ended and V the virtual time; its
 * documents get priorities start+1, start+2, … and F_t moves to the last. BullMQ runs the
 * lowest priority first and, among equals, the earliest added, so tenants with work waiting
 * take one document each per round, and a tenant's own documents keep their order.
 *
 * V never falls behind the head of the queue (read from BullMQ's prioritized set at each
 * reservation) and is pushed forward by workers through {@link FairShare.advance}, so a tenant
 * that was idle neither jumps the queue nor pays for work it already had done.
 * One Lua script per batch (not per document) does it atomically, so API replicas may share it.
 *
 * @example
 * const fairShare = new FairShare({ redis });
 * const submitter = new BatchSubmitter({ connection: redis, store, attempts, resultTtlMs,
 *   priorityFor: fairShare.priorityFor });
 * // in the cold worker, when a job starts:
 * await fairShare.advance(job.priority);
 */
export class FairShare {
  readonly #redis: Redis;
  readonly #keys: string[];
  readonly #maxPriority: number;
  readonly #rebaseAbove: number;
  readonly #rebaseGraceMs: number;
  readonly #groups: number;
  readonly #round: number;
  readonly #maxTag: number;
  readonly #advanceEveryMs: number;
  /** When this process last reported: reports are thinned out (see advance). */
  #advancedAt = Number.NEGATIVE_INFINITY;
  #pending: { tag: number; priority: number } | undefined;
  #trailing: NodeJS.Timeout | undefined;

  constructor(options: FairShareOptions) {
    this.#redis = options.redis;
    const queue = `${keyPrefix}:${options.queueName ?? queueNames.cold}`;
    const clock = `${keyPrefix}:fair:${options.queueName ?? queueNames.cold}`;
    this.#keys = [
      clock,
      `${clock}:finish`,
      ...['wait', 'paused', 'prioritized', 'active', 'delayed'].map((k) => `${queue}:${k}`),
    ];
    this.#maxPriority = Math.min(options.maxPriority ?? PRIORITY_LIMIT, PRIORITY_LIMIT);
    if (this.#maxPriority < 2) throw new RangeError('maxPriority must be at least 2');
    this.#advanceEveryMs = options.advanceEveryMs ?? 50;
    this.#groups = Math.max(1, Math.floor(options.modelGroups ?? 1));
    this.#round = Math.max(1, Math.floor(options.roundLength ?? 64));
    // The highest tag whose priority in the last group still fits under maxPriority.
    this.#maxTag =
      this.#groups === 1
        ? this.#maxPriority
        : Math.floor(this.#maxPriority / this.#groups) - this.#round;
    if (this.#maxTag < 2) throw new RangeError('maxPriority is too small for the model groups');
    this.#rebaseAbove = options.rebaseAbove ?? Math.floor(this.#maxTag / 2);
    this.#rebaseGraceMs = options.rebaseGraceMs ?? 60_000;
  }

  /**
   * Reserves the next turns of `tenant` for `count` documents: BullMQ priorities in the order
   * the documents should run. Bound, so it can be handed to `BatchSubmitter` as `priorityFor`.
   */
  readonly priorityFor = async (tenant: string, count: number, model = ''): Promise<number[]> => {
    if (count <= 0) return [];
    const [start, group] = (await reserveScript.run(this.#redis, this.#keys, [
      tenant,
      count,
      this.#maxTag,
      this.#rebaseAbove,
      this.#rebaseGraceMs,
      model,
      this.#groups,
      this.#round,
    ])) as [number, number];
    return Array.from({ length: count }, (_, i) =>
      priorityOfTag(Math.min(start + 1 + i, this.#maxTag), group, this.#groups, this.#round),
    );
  };

  /**
   * Moves virtual time up to a job that just started (`job.priority`); 0 (no priority) is a
   * no-op. Call it once when a job of this lane starts.
   */
  async advance(priority: number): Promise<void> {
    if (!(priority > 0)) return;
    // The clock only moves forward and only has to be roughly current (each reservation also
    // lifts it from the queue's head), so a process reports at most every `advanceEveryMs`;
    // the highest start in between is reported when that interval ends.
    const wait = this.#advancedAt + this.#advanceEveryMs - Date.now();
    if (wait > 0) {
      const tag = tagOfPriority(priority, this.#groups, this.#round);
      if (this.#pending === undefined || tag > this.#pending.tag) this.#pending = { tag, priority };
      this.#trailing ??= setTimeout(() => {
        this.#trailing = undefined;
        const pending = this.#pending;
        this.#pending = undefined;
        if (pending) void this.advance(pending.priority).catch(() => {});
      }, wait).unref();
      return;
    }
    this.#advancedAt = Date.now();
    await advanceScript.run(
      this.#redis,
      [this.#keys[0] as string],
      [priority, this.#groups, this.#round],
    );
  }

  async state(): Promise<FairShareState> {
    const [clock, finish] = await Promise.all([
      this.#redis.hgetall(this.#keys[0] as string),
      this.#redis.hgetall(this.#keys[1] as string),
    ]);
    return {
      virtualTime: Number(clock.virtual ?? 0),
      issued: Number(clock.issued ?? 0),
      finish: Object.fromEntries(Object.entries(finish).map(([t, f]) => [t, Number(f)])),
    };
  }
}
