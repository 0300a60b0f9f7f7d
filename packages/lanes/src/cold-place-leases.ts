import { randomUUID } from 'node:crypto';
import { keyPrefix } from '@nightshift/core';
import { luaScript } from '@nightshift/redis';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { interactiveLeasesKey, interactiveServerKey } from './interactive-traffic.ts';

/**
 * Cold place → expiry (ms): one member per cold model call in flight on any worker, named
 * `<server>|<id>` (the server as {@link interactiveServerKey} names it).
 */
const placesKey = `${keyPrefix}:cold:places`;

const takeScript = luaScript(new URL('./lua/take-cold-place.lua', import.meta.url));
const renewScript = luaScript(new URL('./lua/renew-cold-place.lua', import.meta.url));
const countScript = luaScript(new URL('./lua/count-interactive-leases.lua', import.meta.url));

const takeReply = z.tuple([z.coerce.number(), z.coerce.number(), z.coerce.number()]);
const count = z.coerce.number().int().min(0);

/** Options of {@link ColdPlaceLeases}. */
export interface ColdPlaceLeasesOptions {
  /** A commands connection (never a blocking one): every call is one short script. */
  redis: Redis;
  /**
   * How long a place counts without renewal. A running call renews its place every third of
   * this, so only the place of a worker that died (or stalled this long) lapses: a dead worker
   * keeps a server's place for at most this long. Default 15 s.
   */
  leaseMs?: number;
  /** Injected clock (ms since the epoch) for tests. */
  now?: () => number;
}

/** What {@link ColdPlaceLeases.take} asks for on one server. */
export interface ColdPlaceAsk {
  /** The server's URL (any upstream URL of it: leases name its `host:port`). */
  server: string;
  /** The most cold calls of all workers together: its slots, or `maxSequences − chatReserve`. */
  places: number;
  /** Whether each chat running there takes one of `places` (fixed slots: Ollama). */
  chatsTakePlaces: boolean;
}

/** One cold call's place, renewed until {@link release}. */
export interface ColdPlaceLease {
  /** Ends the place (idempotent: every call answers the same promise). */
  release(): Promise<void>;
}

/** The server's count as the last take saw it. */
export interface ColdPlaceTake {
  /** The place, or undefined when the server had none free across the workers. */
  lease: ColdPlaceLease | undefined;
  /** Cold calls of all workers on the server after the step. */
  cold: number;
  /** Chats counted on it (0 unless `chatsTakePlaces`). */
  chats: number;
}

/**
 * The count, shared by every worker through Redis, of cold model calls in flight per model
 * server: two workers on one server together never hold more than its places. A place is a
 * short-lived lease on that server, renewed while its call runs and gone when it ends or when
 * its worker dies; a worker takes one only when places − chats − cold calls of all workers > 0,
 * in one Lua step.
 *
 * @example
 * const taken = await places.take({ server: url, places: 3, chatsTakePlaces: true });
 * if (taken.lease) try { await call(); } finally { await taken.lease.release(); }
 */
export class ColdPlaceLeases {
  readonly #redis: Redis;
  readonly #leaseMs: number;
  readonly #now: () => number;

  constructor(options: ColdPlaceLeasesOptions) {
    this.#redis = options.redis;
    this.#leaseMs = z
      .number()
      .int()
      .min(3)
      .parse(options.leaseMs ?? 15_000);
    this.#now = options.now ?? Date.now;
  }

  /** Takes a place on `ask.server` if one is free across every worker. */
  async take(ask: ColdPlaceAsk): Promise<ColdPlaceTake> {
    const server = interactiveServerKey(ask.server);
    const id = randomUUID();
    const now = this.#now();
    const [taken, cold, chats] = takeReply.parse(
      await takeScript.run(
        this.#redis,
        [placesKey, interactiveLeasesKey],
        [now, now + this.#leaseMs, server, id, ask.places, ask.chatsTakePlaces ? 1 : 0],
      ),
    );
    if (taken !== 1) return { lease: undefined, cold, chats };
    const member = `${server}|${id}`;
    let renewing: Promise<unknown> = Promise.resolve();
    const timer = setInterval(
      () => {
        const at = this.#now();
        renewing = renewScript
          .run(this.#redis, [placesKey], [member, at, at + this.#leaseMs])
          .catch(() => {});
      },
      Math.floor(this.#leaseMs / 3),
    );
    timer.unref();
    let releasing: Promise<void> | undefined;
    const release = () => {
      clearInterval(timer);
      // A renewal in flight lands first, so it cannot outlive the release.
      releasing ??= renewing.then(async () => {
        await this.#redis.zrem(placesKey, member);
      });
      return releasing;
    };
    return { lease: { release }, cold, chats };
  }

  /** Cold calls of all workers in flight now on `server` (any URL of it). */
  async coldOn(server: string): Promise<number> {
    return count.parse(
      await countScript.run(this.#redis, [placesKey], [this.#now(), interactiveServerKey(server)]),
    );
  }
}
