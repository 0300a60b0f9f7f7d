import { randomUUID } from 'node:crypto';
import { keyPrefix } from '@nightshift/core';
import { luaScript } from '@nightshift/redis';
import type { Redis } from 'ioredis';
import { z } from 'zod';

/**
 * Lease → expiry (ms): one member per interactive call in flight on any API replica, named
 * `<server>|<id>` (the model server it runs on, see {@link interactiveServerKey}) or `<id>` (a
 * call on no server in particular: it counts for every server).
 */
const leasesKey = `${keyPrefix}:interactive:leases`;
/** The interactive leases' key, which the cold places' script reads to count chats per server. */
export const interactiveLeasesKey = leasesKey;
/** Model → the last time (ms) it served an interactive call. */
const modelsKey = `${keyPrefix}:interactive:models`;

const holdScript = luaScript(new URL('./lua/hold-interactive-lease.lua', import.meta.url));
const endScript = luaScript(new URL('./lua/end-interactive-lease.lua', import.meta.url));
const recentScript = luaScript(new URL('./lua/recent-interactive-models.lua', import.meta.url));
const countScript = luaScript(new URL('./lua/count-interactive-leases.lua', import.meta.url));

const modelName = z.string().min(1).max(512);
const count = z.coerce.number().int().min(0);
const modelNames = z.array(z.string());

/** Options of {@link InteractiveTraffic}. */
export interface InteractiveTrafficOptions {
  /** A commands connection (never a blocking one): every call is one short command or script. */
  redis: Redis;
  /**
   * How long a lease counts without renewal. A call renews its own lease every third of this
   * while it runs, so only a lease whose API replica died (or stalled this long) lapses: a
   * crashed replica holds the cold lane for at most this long. Default 30 s.
   */
  leaseMs?: number;
  /**
   * A model not used interactively for this long (or for the longest `withinMs` asked, if
   * longer) is dropped from the record when {@link InteractiveTraffic.recentModels} reads it,
   * so model names that stop arriving do not pile up. Default 24 h.
   */
  forgetModelsAfterMs?: number;
  /** Injected clock (ms since the epoch) for tests; lease times and model stamps use it. */
  now?: () => number;
}

/**
 * How leases name a model server: its URL's `host:port` (lower case, default port dropped), so
 * an API replica's upstream (`http://gpu1:11434`, or `http://gpu1:11434/v1` through Ollama's
 * OpenAI layer) and a worker's `OLLAMA_HOST` name the same server alike.
 *
 * @example
 * interactiveServerKey('http://GPU1:11434/v1') // 'gpu1:11434'
 */
export function interactiveServerKey(url: string): string {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return url.toLowerCase();
  }
}

/** Options of {@link InteractiveTraffic.begin}. */
export interface LeaseOptions {
  /** URL of the model server the call runs on; the cold lanes of other servers ignore it. Unset: every server. */
  server?: string;
  /** The call's own end (its client went away, its deadline passed): the lease ends at once when it aborts. */
  signal?: AbortSignal;
}

/** Options of {@link InteractiveTraffic.inFlight}. */
export interface InFlightOptions {
  /** Count only calls on these model servers (URLs) and calls that name no server. Unset: every call. */
  servers?: readonly string[];
  /** The time to count at (ms since the epoch). Default: the injected clock. */
  now?: number;
}

/** One interactive call in flight; its lease renews itself until {@link end}. */
export interface InteractiveLease {
  /** The model the call is served by. */
  readonly model: string;
  /** Ends the call's lease and stamps its model as used now. Idempotent: every call answers the same promise. */
  end(): Promise<void>;
}

/**
 * The record, shared by every API replica and read by every worker, of interactive calls in
 * flight (gateway chat calls proxied straight to the model servers, outside BullMQ) and of the
 * models they used. Workers treat a call in flight like a waiting hot job (the cold lane steps
 * aside), and keep the models of recent calls loaded at window close.
 *
 * @example
 * const lease = await traffic.begin('qwen3:32b');   // API, before proxying
 * try { await proxy(); } finally { await lease.end(); }
 * await traffic.inFlight();                          // worker, each lane evaluation
 * await traffic.recentModels(30 * 60_000);           // worker, at window close
 */
export class InteractiveTraffic {
  readonly #redis: Redis;
  readonly #leaseMs: number;
  readonly #forgetModelsAfterMs: number;
  readonly #now: () => number;

  constructor(options: InteractiveTrafficOptions) {
    this.#redis = options.redis;
    this.#leaseMs = z
      .number()
      .int()
      .min(3)
      .parse(options.leaseMs ?? 30_000);
    this.#forgetModelsAfterMs = z
      .number()
      .min(0)
      .parse(options.forgetModelsAfterMs ?? 86_400_000);
    this.#now = options.now ?? Date.now;
  }

  /**
   * Records an interactive call to `model` (on `options.server`) as in flight until the lease's
   * `end()`, or until `options.signal` aborts. The lease renews itself on an unref'd timer (a
   * failed renewal is left to the next one, or to expiry).
   */
  async begin(model: string, options: LeaseOptions = {}): Promise<InteractiveLease> {
    const name = modelName.parse(model);
    const { server, signal } = options;
    const id =
      server === undefined ? randomUUID() : `${interactiveServerKey(server)}|${randomUUID()}`;
    const hold = () => {
      const now = this.#now();
      return holdScript.run(
        this.#redis,
        [leasesKey, modelsKey],
        [id, now + this.#leaseMs, now, name],
      );
    };
    await hold();
    let renewing: Promise<unknown> = Promise.resolve();
    const timer = setInterval(
      () => {
        renewing = hold().catch(() => {});
      },
      Math.floor(this.#leaseMs / 3),
    );
    timer.unref();
    let ending: Promise<void> | undefined;
    const end = () => {
      clearInterval(timer);
      signal?.removeEventListener('abort', onAbort);
      // A renewal still in flight lands first, so it cannot put the lease back after the end.
      ending ??= renewing.then(async () => {
        await endScript.run(this.#redis, [leasesKey, modelsKey], [id, this.#now(), name]);
      });
      return ending;
    };
    // Whoever holds the lease may be stuck (an upstream call that ignores its abort): the
    // call's own end ends the lease without waiting for it.
    const onAbort = () => void end().catch(() => {});
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    return { model: name, end };
  }

  /**
   * Interactive calls in flight now across every API replica: the leases not yet expired; with
   * `servers`, only those on these servers (and those that name none).
   */
  async inFlight(options: InFlightOptions = {}): Promise<number> {
    const now = options.now ?? this.#now();
    if (options.servers === undefined)
      return count.parse(await this.#redis.zcount(leasesKey, `(${now}`, '+inf'));
    const servers = options.servers.map(interactiveServerKey);
    return count.parse(await countScript.run(this.#redis, [leasesKey], [now, ...servers]));
  }

  /** The models that served an interactive call (started, renewed or ended one) within `withinMs`. */
  async recentModels(withinMs: number, now = this.#now()): Promise<string[]> {
    const forgetBefore = now - Math.max(this.#forgetModelsAfterMs, withinMs);
    const reply = await recentScript.run(this.#redis, [modelsKey], [now - withinMs, forgetBefore]);
    return modelNames.parse(reply).sort();
  }
}
