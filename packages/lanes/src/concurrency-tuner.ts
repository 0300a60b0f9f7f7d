/**
 * Finds and holds the cold concurrency at which a model server stops giving more tokens per
 * second. A continuous-batching server (vLLM, SGLang) gets faster with every sequence it batches
 * until its KV cache is full; past that, requests only queue inside it, which adds latency for
 * everyone (chat included) and no throughput. A slot server (Ollama) is full at its parallel
 * slots. The tuner climbs while the lane uses all it is given and the server shows no queue, and
 * steps back as soon as one appears.
 */

/** Options of {@link ConcurrencyTuner}. */
export interface ConcurrencyTunerOptions {
  /** The most cold jobs at once (`NIGHTSHIFT_COLD_CONCURRENCY` when set). */
  max: number;
  /** The fewest; the limit never goes below it. Default 1. */
  min?: number;
  /** Where the climb starts. Default `min(max, 2)`. */
  initial?: number;
  /**
   * Least time between two changes of the limit, in ms: long enough for the server's gauges to
   * show the last change (vLLM admits at its next step; the probe is cached ~250 ms, as often as
   * the lane evaluates). Default 250.
   */
  intervalMs?: number;
  /**
   * How long requests must keep waiting inside the server before it counts as full, in ms.
   * Default 1000: an arrival waits at most one step (tens of ms) on a server with room.
   */
  queueMs?: number;
  /**
   * Where the server reports no queue (Ollama), how much slower per generated token recent
   * documents may be than the fastest seen before the tuner takes it for queueing inside the
   * server and steps back. Default 0.3 (30 % slower).
   */
  latencyTolerance?: number;
}

/** What the lane saw at one evaluation. */
export interface TunerSignals {
  /** Cold jobs running on this worker now. */
  inFlight: number;
  /** Requests waiting inside the model server (`vllm:num_requests_waiting`), when it reports them. */
  waiting?: number;
  /** Requests the server runs (`vllm:num_requests_running`), when it reports them. */
  serverRunning?: number;
}

/** How the limit moves: doubling until the first sign of a full server, then one at a time. */
export type TunerPhase = 'climbing' | 'holding';

/** A finished document's figures, for servers that report no queue. */
interface PaceSample {
  msPerToken: number;
  at: number;
}

/** How many recent paces stand for "now", and how long the fastest seen is remembered. */
const RECENT_SAMPLES = 8;
const FASTEST_MEMORY_MS = 10 * 60_000;

/**
 * Additive increase, subtractive decrease on the server's own queue (or, where it has none to
 * report, on latency per token); halves at once on out-of-memory and busy answers.
 *
 * @example
 * const tuner = new ConcurrencyTuner({ max: 64 });
 * // at each lane evaluation:
 * worker.concurrency = tuner.update(Date.now(), { inFlight: running, waiting: load.waiting });
 * // when a document finishes:
 * tuner.recordDocument(Date.now(), { durationMs, completionTokens });
 */
export class ConcurrencyTuner {
  readonly max: number;
  readonly min: number;
  readonly #intervalMs: number;
  readonly #tolerance: number;
  #limit: number;
  #phase: TunerPhase = 'climbing';
  #changedAt = Number.NEGATIVE_INFINITY;
  #decidedAt = Number.NEGATIVE_INFINITY;
  #paces: PaceSample[] = [];
  #fastest: PaceSample | undefined;
  /** The highest limit that ran full without a queue in the server: the climb back may double up to it. */
  #provenLimit = 0;
  /** Since when every reading has shown requests waiting in the server, and the fewest seen. */
  #queueSince: number | undefined;
  #leastWaiting: number | undefined;
  readonly #queueMs: number;

  constructor(options: ConcurrencyTunerOptions) {
    this.max = Math.max(1, Math.floor(options.max));
    this.min = Math.min(this.max, Math.max(1, Math.floor(options.min ?? 1)));
    this.#limit = this.#clamp(options.initial ?? 2);
    this.#intervalMs = options.intervalMs ?? 250;
    this.#tolerance = options.latencyTolerance ?? 0.3;
    this.#queueMs = options.queueMs ?? 1000;
  }

  /** The cold concurrency to apply now. */
  get limit(): number {
    return this.#limit;
  }

  get phase(): TunerPhase {
    return this.#phase;
  }

  /** A cold document finished: its time per generated token tells queueing on servers without gauges. */
  recordDocument(now: number, figures: { durationMs: number; completionTokens: number }): void {
    if (!(figures.completionTokens > 0) || !(figures.durationMs > 0)) return;
    const sample = { msPerToken: figures.durationMs / figures.completionTokens, at: now };
    this.#paces.push(sample);
    if (this.#paces.length > RECENT_SAMPLES) this.#paces.shift();
    const fastest = this.#fastest;
    if (
      !fastest ||
      sample.msPerToken <= fastest.msPerToken ||
      now - fastest.at > FASTEST_MEMORY_MS
    ) {
      this.#fastest = sample;
    }
  }

  /**
   * The server ran out of memory or answered busy: halve at once, whatever the interval, and
   * climb one at a time from there.
   */
  overload(now: number): number {
    this.#phase = 'holding';
    this.#decidedAt = now;
    return this.#set(Math.floor(this.#limit / 2), now);
  }

  /**
   * Chat or a hot job is on the GPU: halve, at most once per interval, so sustained interactive
   * traffic brings the cold lane down to its floor within seconds, while one chat at night costs
   * it one halving. The climb back doubles up to what already worked.
   */
  hotTraffic(now: number): number {
    if (now - this.#decidedAt < this.#intervalMs) return this.#limit;
    this.#decidedAt = now;
    this.#phase = 'holding';
    this.#provenLimit = Math.max(this.#provenLimit, this.#limit);
    return this.#set(Math.floor(this.#limit / 2), now);
  }

  /**
   * Re-evaluates the limit (at most once per interval) and returns it. Call it at every lane
   * evaluation: each reading of the server's queue counts, decisions are spaced by the interval.
   */
  update(now: number, signals: TunerSignals): number {
    const { inFlight, serverRunning, waiting } = signals;
    if (waiting === undefined || waiting === 0) {
      this.#queueSince = undefined;
      this.#leastWaiting = undefined;
    } else {
      this.#queueSince ??= now;
      this.#leastWaiting = Math.min(this.#leastWaiting ?? waiting, waiting);
    }
    if (now - this.#decidedAt < this.#intervalMs) return this.#limit;
    this.#decidedAt = now;
    if (this.#queueSince !== undefined) {
      // Requests that arrive mid-step wait for the next step even on a server with room: only
      // a queue that lasts is a full server.
      if (now - this.#queueSince < this.#queueMs) return this.#limit;
      this.#phase = 'holding';
      // Jobs above the limit are still draining (they are never cancelled): the last step
      // back has not shown yet, and taking off the same queue again would overshoot.
      if (inFlight > this.#limit) return this.#limit;
      // Whoever waits there (our own excess, or chat traffic) takes the place of one of ours.
      const queued = this.#leastWaiting ?? 1;
      this.#queueSince = now;
      this.#leastWaiting = undefined;
      return this.#set(Math.min(this.#limit, inFlight) - queued, now);
    }
    // A reading that does not yet count the requests we sent says nothing about them.
    if (serverRunning !== undefined && serverRunning < inFlight * 0.9) return this.#limit;
    // A lane that does not fill its limit (short backlog, memory, hot work) teaches nothing.
    if (inFlight < Math.max(1, Math.floor(this.#limit * 0.9))) return this.#limit;
    if (waiting === undefined) {
      const pace = this.#recentPace(this.#changedAt);
      if (pace === undefined) return this.#limit; // nothing finished since the last change
      const fastest = this.#fastest?.msPerToken ?? pace;
      if (pace > fastest * (1 + this.#tolerance)) {
        this.#phase = 'holding';
        return this.#set(Math.floor(this.#limit * 0.75), now);
      }
    }
    this.#provenLimit = Math.max(this.#provenLimit, this.#limit);
    // After a back-off (chat traffic, a full server) the way up to what already worked is quick.
    const doubling = this.#phase === 'climbing' || this.#limit * 2 <= this.#provenLimit;
    return this.#set(doubling ? this.#limit * 2 : this.#limit + 1, now);
  }

  /** Median time per token of documents finished since `since`; undefined when none did. */
  #recentPace(since: number): number | undefined {
    const recent = this.#paces.filter((p) => p.at >= since).map((p) => p.msPerToken);
    if (recent.length === 0) return undefined;
    recent.sort((a, b) => a - b);
    return recent[Math.floor((recent.length - 1) / 2)];
  }

  #set(limit: number, now: number): number {
    const next = this.#clamp(limit);
    if (next !== this.#limit) this.#changedAt = now;
    this.#limit = next;
    return next;
  }

  #clamp(limit: number): number {
    return Math.min(this.max, Math.max(this.min, Math.floor(limit)));
  }
}
