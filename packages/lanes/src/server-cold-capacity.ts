import { createServerLoadProbe, metricsUrlFor, type ServerLoadProbe } from '@nightshift/gpu';
import type { ColdPlaceLeases } from './cold-place-leases.ts';
import {
  batchingOf,
  type ColdServer,
  type ColdSlot,
  defaultChatReserve,
  type ServerColdState,
} from './cold-servers.ts';

/** Options of {@link ServerColdCapacity}. */
export interface ServerColdCapacityOptions<S extends ColdServer> {
  servers: readonly S[];
  /**
   * Interactive calls in flight on `server` (its URL), e.g. `InteractiveTraffic.inFlight({ servers: [url] })`;
   * a fixed-slot server gives each of them one of its slots. A failed read counts as none.
   */
  interactiveOn?: (server: string) => Promise<number>;
  /**
   * The load probe of a continuous-batching server. Default: its upstream's `metricsUrl` (the
   * `/metrics` beside an OpenAI-compatible base URL unless set), cached 250 ms.
   */
  loadProbe?: (server: S) => ServerLoadProbe | undefined;
  /** How often limits are re-read. Default 250 ms. */
  pollMs?: number;
  /** Most cold calls on all servers together (`NIGHTSHIFT_COLD_CONCURRENCY`). Default: no cap. */
  maxTotal?: number;
  /**
   * The count of cold calls per server shared by every worker (Redis): a place is taken only
   * when the server has one free across all of them, so workers sharing a server never exceed
   * its places together. Unset: this process's calls alone are counted (one worker per server).
   */
  shared?: ColdPlaceLeases;
}

interface Entry<S> {
  server: S;
  state: ServerColdState;
  probe: ServerLoadProbe | undefined;
  /** When requests were last seen waiting inside the server (continuous batching). */
  queuedAt: number;
  /** The limit that stood after the server last queued: climbing back to it is quick, past it slow. */
  learned: number;
  /** Since when every reading showed requests waiting inside it. */
  waitingSince: number | undefined;
  /** Whether its gauges were ever read. */
  read: boolean;
}

interface Waiter<S> {
  candidates: readonly S[];
  grant: (slot: ColdSlot<S>) => void;
}

/** After requests last waited inside a continuous-batching server, climb back one step per this. */
const CLIMB_MS = 500;
/** How long requests must keep waiting inside a continuous-batching server before it counts as full. */
const QUEUE_MS = 400;
/** Past what it learned, a continuous-batching server is tried one place more per this. */
const PROBE_MS = 5_000;

/**
 * Cold capacity per model server, so cold work drains onto every server of its model and each
 * server is shared the way it works best. A cold model call acquires a place on the candidate
 * with the most free cold places, and waits while none has one.
 * - Continuous batching (vLLM, SGLang): at most `maxSequences − chatReserve` cold sequences, so
 *   chat joins the running batch at the next step; a chat costs the batch only its own share
 *   (no pause). Requests waiting inside the server (`/metrics`) take places off the limit at once
 *   — cold work never queues there — and the limit climbs back while nothing waits.
 * - Fixed slots (Ollama): never more cold calls than slots, less the chats running there.
 * With `shared` (every worker's `ColdPlaceLeases` on one Redis), these bounds hold for all the
 * workers on a server together: this worker's own limits are only the fast first check, and a
 * place is taken in one Lua step against the cold calls and chats of all of them.
 *
 * @example
 * const capacity = new ServerColdCapacity({ servers: pool.upstreams, interactiveOn });
 * capacity.start();
 * const slot = await capacity.acquire(serving, signal); try { … slot.server … } finally { slot.release(); }
 */
export class ServerColdCapacity<S extends ColdServer> {
  readonly #entries: Entry<S>[];
  readonly #o: ServerColdCapacityOptions<S>;
  #waiters: Waiter<S>[] = [];
  /** Shared-path callers waiting for their next try. */
  #chances: Waiter<S>[] = [];
  #timer: NodeJS.Timeout | undefined;
  #evaluating: Promise<void> | undefined;

  constructor(options: ServerColdCapacityOptions<S>) {
    this.#o = options;
    this.#entries = options.servers.map((server) => {
      const batching = batchingOf(server);
      const sequences = server.maxSequences ?? server.slots;
      const ceiling =
        batching === 'continuous'
          ? Math.max(1, sequences - (server.chatReserve ?? defaultChatReserve(sequences)))
          : server.slots;
      const metricsUrl = metricsUrlFor(server);
      const probe =
        batching === 'continuous'
          ? options.loadProbe
            ? options.loadProbe(server)
            : metricsUrl
              ? createServerLoadProbe({ url: metricsUrl, cacheMs: 250 })
              : undefined
          : undefined;
      return {
        server,
        probe,
        queuedAt: Number.NEGATIVE_INFINITY,
        learned: ceiling,
        // A server with gauges gets no cold call until its first reading says nothing waits.
        state: {
          url: server.url,
          kind: server.kind,
          batching,
          ceiling,
          limit: probe ? 0 : ceiling,
          inFlight: 0,
          inFlightAll: 0,
          chats: 0,
        },
        read: false,
        waitingSince: undefined,
      };
    });
  }

  /** Cold calls all servers may hold at once: the cold lane's concurrency. */
  get ceiling(): number {
    const sum = this.#entries.reduce((total, e) => total + e.state.ceiling, 0);
    return Math.max(1, Math.min(this.#o.maxTotal ?? sum, sum));
  }

  /** Re-reads each server's signals every `pollMs`. */
  start(): void {
    if (this.#timer) return;
    void this.evaluate().catch(() => {});
    this.#timer = setInterval(() => void this.evaluate().catch(() => {}), this.#o.pollMs ?? 250);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  snapshot(): ServerColdState[] {
    return this.#entries.map((e) => ({
      ...e.state,
      inFlightAll: this.#o.shared ? e.state.inFlightAll : e.state.inFlight,
    }));
  }

  /**
   * A place for one cold call on one of `candidates` (the servers of its model): the one with
   * the most free places, waiting (until `signal` aborts) while none has one. Servers this
   * capacity does not know are not used; with none known, the first candidate is lent unbounded.
   */
  acquire(candidates: readonly S[], signal?: AbortSignal): Promise<ColdSlot<S>> {
    const known = candidates.filter((c) => this.#entryOf(c));
    const first = candidates[0];
    if (known.length === 0) {
      if (!first) return Promise.reject(new Error('no model server for this cold call'));
      return Promise.resolve({ server: first, release: () => {} });
    }
    if (this.#o.shared) return this.#acquireShared(this.#o.shared, known, signal);
    const slot = this.#take(known);
    if (slot) return Promise.resolve(slot);
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const waiter: Waiter<S> = {
        candidates: known,
        grant: (granted) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(granted);
        },
      };
      const onAbort = () => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Reads each server's signals once and sets its limit; wakes waiters that now fit. */
  evaluate(): Promise<void> {
    this.#evaluating ??= this.#evaluate().finally(() => {
      this.#evaluating = undefined;
    });
    return this.#evaluating;
  }

  async #evaluate(): Promise<void> {
    const now = Date.now();
    await Promise.all(
      this.#entries.map(async (entry) => {
        const { state } = entry;
        if (this.#o.shared) {
          state.inFlightAll = await this.#o.shared
            .coldOn(state.url)
            .catch(() => Math.max(state.inFlightAll, state.inFlight));
        } else state.inFlightAll = state.inFlight;
        if (state.batching === 'slots') {
          const chats = this.#o.interactiveOn
            ? await this.#o.interactiveOn(state.url).catch(() => 0)
            : 0;
          state.chats = chats;
          state.limit = Math.max(0, state.ceiling - chats);
          return;
        }
        const reading = await entry.probe?.read();
        if (reading?.status !== 'ok') {
          // No gauges to go by (no /metrics there): the configured capacity less the reserve.
          if (reading && !entry.read) state.limit = state.ceiling;
          return;
        }
        if (!entry.read) {
          // Requests already wait there (chat from elsewhere): the limit stays 0 until they don't.
          if (reading.load.waiting > 0) return;
          entry.read = true;
          state.limit = entry.learned;
        }
        const { waiting } = reading.load;
        // A request that arrives mid-step waits for the next step even where there is room:
        // only a queue that lasts says the server is full.
        if (waiting === 0) entry.waitingSince = undefined;
        else entry.waitingSince ??= now;
        if (entry.waitingSince !== undefined && now - entry.waitingSince < QUEUE_MS) return;
        if (waiting > 0) {
          entry.waitingSince = now;
          // Calls above the limit are still draining (never cancelled): the last step back has
          // not shown yet, and taking the same queue off again would overshoot.
          const running = state.inFlightAll;
          if (running > state.limit) return;
          // Whoever waits there (our excess, or chat past the reserve) takes one of our places,
          // and what runs beside the queue is the most the server takes now (KV cache,
          // sequences): remember it, or the climb after the queue clears goes back past it and
          // queues cold work in the server again. The slow probe below finds room that grows.
          entry.learned = Math.max(1, Math.min(entry.learned, running - waiting));
          entry.queuedAt = now;
          state.limit = Math.max(0, Math.min(state.limit, running) - waiting);
        } else if (state.limit < entry.learned && now - entry.queuedAt >= CLIMB_MS) {
          state.limit = entry.learned;
        } else if (state.limit < state.ceiling && now - entry.queuedAt >= PROBE_MS) {
          // Room may have grown (shorter documents): one more place at a time, rarely.
          entry.queuedAt = now;
          state.limit += 1;
          entry.learned = state.limit;
        }
      }),
    );
    this.#wake();
  }

  /**
   * The shared path: the candidates this worker still has room on, most free first, each asked
   * of the shared count in turn; while none has a place across the workers, waits for a local
   * release or the next evaluation (another worker's release shows there) and asks again.
   */
  async #acquireShared(
    shared: ColdPlaceLeases,
    candidates: readonly S[],
    signal: AbortSignal | undefined,
  ): Promise<ColdSlot<S>> {
    for (;;) {
      signal?.throwIfAborted();
      const chance = this.#nextChance(signal);
      // Awaited only when no place was taken; an abort after a place was taken is no error.
      chance.catch(() => {});
      for (const entry of this.#ranked(candidates)) {
        const { state } = entry;
        // Reserved locally first: this worker's own calls never race each other past its limit.
        state.inFlight++;
        const taken = await shared
          .take({
            server: state.url,
            places: state.batching === 'slots' ? state.ceiling : state.limit,
            chatsTakePlaces: state.batching === 'slots',
          })
          .catch(() => undefined);
        if (taken) {
          state.inFlightAll = taken.cold;
          if (state.batching === 'slots') state.chats = taken.chats;
        }
        if (taken?.lease) {
          const lease = taken.lease;
          let released = false;
          return {
            server: entry.server,
            release: () => {
              if (released) return;
              released = true;
              // The place counts as taken here until Redis has it back, so a local waiter
              // woken now finds it free there too.
              void lease
                .release()
                .catch(() => {})
                .finally(() => {
                  state.inFlight--;
                  this.#wake();
                });
            },
          };
        }
        state.inFlight--;
        if (signal?.aborted) break;
      }
      await chance;
    }
  }

  /** Resolves at the next local release or evaluation; rejects when `signal` aborts. */
  #nextChance(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter<S> = {
        candidates: [],
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.#chances = this.#chances.filter((w) => w !== waiter);
        reject(signal?.reason);
      };
      if (signal?.aborted) return reject(signal.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#chances.push(waiter);
    });
  }

  /** The candidates with room under this worker's limits, most free first. */
  #ranked(candidates: readonly S[]): Entry<S>[] {
    if (this.#o.maxTotal !== undefined) {
      const total = this.#entries.reduce((sum, e) => sum + e.state.inFlight, 0);
      if (total >= this.#o.maxTotal) return [];
    }
    const free = (e: Entry<S>) => (e.state.limit - e.state.inFlight) / Math.max(1, e.state.ceiling);
    const entries: Entry<S>[] = [];
    for (const candidate of candidates) {
      const entry = this.#entryOf(candidate);
      if (entry && entry.state.inFlight < entry.state.limit && !entries.includes(entry))
        entries.push(entry);
    }
    return entries.sort((a, b) => free(b) - free(a));
  }

  #take(candidates: readonly S[]): ColdSlot<S> | undefined {
    if (this.#o.maxTotal !== undefined) {
      const total = this.#entries.reduce((sum, e) => sum + e.state.inFlight, 0);
      if (total >= this.#o.maxTotal) return undefined;
    }
    let best: Entry<S> | undefined;
    for (const candidate of candidates) {
      const entry = this.#entryOf(candidate);
      if (!entry || entry.state.inFlight >= entry.state.limit) continue;
      const free = (entry.state.limit - entry.state.inFlight) / Math.max(1, entry.state.ceiling);
      const bestFree = best
        ? (best.state.limit - best.state.inFlight) / Math.max(1, best.state.ceiling)
        : -1;
      if (free > bestFree) best = entry;
    }
    if (!best) return undefined;
    const entry = best;
    entry.state.inFlight++;
    let released = false;
    return {
      server: entry.server,
      release: () => {
        if (released) return;
        released = true;
        entry.state.inFlight--;
        this.#wake();
      },
    };
  }

  #wake(): void {
    const chances = this.#chances;
    this.#chances = [];
    for (const chance of chances) chance.grant(undefined as never);
    const still: Waiter<S>[] = [];
    for (const waiter of this.#waiters) {
      const slot = this.#take(waiter.candidates);
      if (slot) waiter.grant(slot);
      else still.push(waiter);
    }
    this.#waiters = still;
  }

  #entryOf(server: S): Entry<S> | undefined {
    return this.#entries.find((e) => e.server === server || e.server.url === server.url);
  }
}
