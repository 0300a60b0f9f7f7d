import { sameModel } from '@nightshift/llm';
import type { Upstream } from './upstreams.ts';

/** Options of {@link UpstreamPool}. */
export interface UpstreamPoolOptions {
  upstreams: readonly Upstream[];
  /** The models an upstream serves by its own account (for `models: ['*']`). */
  discover: (upstream: Upstream) => Promise<string[]>;
  /** How long a discovered model list is reused, ms. Default 15 000. */
  discoveryTtlMs?: number;
  /** How long an upstream that refused a connection is left alone, ms. Default 5 000. */
  downForMs?: number;
  /** Clock, injectable for tests. */
  now?: () => number;
  /** Hears an upstream found up after down (or unknown), and down after up (a log line). */
  onHealthChange?: (upstream: Upstream, state: 'up' | 'down') => void;
}

/** What the pool knows of an upstream's health: `unknown` until a call or a model list says. */
export type UpstreamHealth = 'up' | 'down' | 'unknown';

/** One upstream's load as this API replica sees it. */
export interface UpstreamLoad {
  id: string;
  inFlight: number;
  slots: number;
  /** Epoch ms until which it is skipped after a failed connection; 0 when up. */
  downUntil: number;
}

interface Entry {
  upstream: Upstream;
  inFlight: number;
  downUntil: number;
  health: UpstreamHealth;
  discovered?: { at: number; models: string[] };
  discovering?: Promise<string[]>;
}

/**
 * The gateway's model servers: which of them serve a model, and which should take the next call.
 * Calls go to the up server with the largest share of free slots (in-flight counted by this
 * replica: each API replica balances its own calls). A server that refused a connection is
 * skipped for `downForMs`, then tried again.
 *
 * @example
 * const upstream = pool.pick('qwen3:32b');
 * const release = pool.acquire(upstream); try { … } finally { release(); }
 */
export class UpstreamPool {
  readonly #entries: Entry[];
  readonly #o: UpstreamPoolOptions;
  readonly #now: () => number;

  constructor(options: UpstreamPoolOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#entries = options.upstreams.map((upstream) => ({
      upstream,
      inFlight: 0,
      downUntil: 0,
      health: 'unknown' as UpstreamHealth,
    }));
  }

  get upstreams(): Upstream[] {
    return this.#entries.map((e) => e.upstream);
  }

  /** The upstreams that serve `model` (named in their config, or listed by a `*` server). */
  async serving(model: string): Promise<Upstream[]> {
    const lists = await Promise.all(this.#entries.map((e) => this.#modelsOf(e)));
    return this.#entries
      .filter((_, i) => lists[i]?.some((name) => sameModel(name, model)))
      .map((e) => e.upstream);
  }

  /** Every model some upstream serves, with the upstreams serving it. */
  async models(): Promise<{ id: string; upstreams: Upstream[] }[]> {
    const byModel = new Map<string, Upstream[]>();
    const lists = await Promise.all(this.#entries.map((e) => this.#modelsOf(e)));
    this.#entries.forEach((entry, i) => {
      for (const name of lists[i] ?? [])
        byModel.set(name, [...(byModel.get(name) ?? []), entry.upstream]);
    });
    return [...byModel].map(([id, upstreams]) => ({ id, upstreams }));
  }

  /**
   * True when some `*` upstream's models are unknown (it is down and never listed them): a
   * model found nowhere may still be one of its, so the answer is "unavailable", not "unknown".
   */
  partlyBlind(): boolean {
    return this.#entries.some(
      (e) => e.upstream.models.includes('*') && !e.discovered && e.downUntil > this.#now(),
    );
  }

  /** Of `candidates`, the up ones, those with the most free slots first. */
  ranked(candidates: readonly Upstream[]): Upstream[] {
    const now = this.#now();
    return this.#entries
      .filter((e) => candidates.includes(e.upstream) && e.downUntil <= now)
      .sort((a, b) => a.inFlight / a.upstream.slots - b.inFlight / b.upstream.slots)
      .map((e) => e.upstream);
  }

  /** True when every one of `candidates` runs as many calls as it has slots. */
  full(candidates: readonly Upstream[]): boolean {
    return this.#entries
      .filter((e) => candidates.includes(e.upstream))
      .every((e) => e.inFlight >= e.upstream.slots);
  }

  /** Counts a call on `upstream` until the returned function is called (once). */
  acquire(upstream: Upstream): () => void {
    const entry = this.#entry(upstream);
    entry.inFlight++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      entry.inFlight--;
    };
  }

  /**
   * The upstream never took a call (connection refused, dropped, not accepted in time) or its
   * model list could not be read: skip it for a while. An HTTP answer, even a 500, is a failure
   * of one model and never marks the server down.
   */
  markDown(upstream: Upstream): void {
    const entry = this.#entry(upstream);
    entry.downUntil = this.#now() + (this.#o.downForMs ?? 5_000);
    this.#settle(entry, 'down');
  }

  /** The upstream answered (a call's first piece, its model list). */
  markUp(upstream: Upstream): void {
    const entry = this.#entry(upstream);
    if (entry.health !== 'up') this.#settle(entry, 'up');
  }

  /** What is known of `upstream`'s health, without asking it. */
  health(upstream: Upstream): UpstreamHealth {
    return this.#entry(upstream).health;
  }

  /**
   * Asks every upstream for its models once (the list of a `*` upstream is kept), so each one's
   * health is known: a worker's `auto` summaries start on the model server or without one.
   */
  async check(): Promise<void> {
    await Promise.all(
      this.#entries.map(async (entry) => {
        try {
          const models = await this.#o.discover(entry.upstream);
          entry.discovered = { at: this.#now(), models };
          this.markUp(entry.upstream);
        } catch {
          this.markDown(entry.upstream);
        }
      }),
    );
  }

  #settle(entry: Entry, health: 'up' | 'down'): void {
    const changed = entry.health !== health;
    entry.health = health;
    if (changed) this.#o.onHealthChange?.(entry.upstream, health);
  }

  load(): UpstreamLoad[] {
    return this.#entries.map((e) => ({
      id: e.upstream.id,
      inFlight: e.inFlight,
      slots: e.upstream.slots,
      downUntil: e.downUntil,
    }));
  }

  #entry(upstream: Upstream): Entry {
    const entry = this.#entries.find((e) => e.upstream === upstream);
    if (!entry) throw new Error(`not an upstream of this pool: ${upstream.id}`);
    return entry;
  }

  async #modelsOf(entry: Entry): Promise<string[]> {
    const named = entry.upstream.models.filter((m) => m !== '*');
    if (named.length === entry.upstream.models.length) return named;
    const now = this.#now();
    const cached = entry.discovered;
    if (cached && now - cached.at < (this.#o.discoveryTtlMs ?? 15_000))
      return [...named, ...cached.models];
    if (now < entry.downUntil) return [...named, ...(cached?.models ?? [])];
    // One discovery at a time per server, however many calls ask.
    entry.discovering ??= this.#o
      .discover(entry.upstream)
      .then((models) => {
        entry.discovered = { at: this.#now(), models };
        this.markUp(entry.upstream);
        return models;
      })
      .catch(() => {
        this.markDown(entry.upstream);
        return cached?.models ?? [];
      })
      .finally(() => {
        entry.discovering = undefined;
      });
    return [...named, ...(await entry.discovering)];
  }
}
