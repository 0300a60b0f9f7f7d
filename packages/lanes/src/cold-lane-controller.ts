import {
  type ColdAdmission,
  type ColdWindowState,
  type ColdWindows,
  coldAdmission,
  coldWindowState,
  type ServerLoadProbe,
  type ServerLoadReading,
  type VramProbe,
  type VramReading,
  windowCronExpressions,
} from '@nightshift/gpu';
import { type Job, type Queue, WaitingError, type Worker } from 'bullmq';
import cron, { type ScheduledTask } from 'node-cron';
import type { ConcurrencyTuner } from './concurrency-tuner.ts';

/** Options of {@link ColdLaneController}. */
export interface ColdLaneControllerOptions {
  /** The cold lane's BullMQ worker (created with `autorun: false`). */
  coldWorker: Worker;
  /** The hot queue: waiting hot work stops cold work. */
  hotQueue: Queue;
  /** Hot jobs running on this worker now: the GPU is busy with interactive work. */
  hotRunning?: () => number;
  /**
   * Interactive calls in flight outside BullMQ (gateway chat calls proxied straight to the model
   * servers) on the servers this lane's work runs on, e.g. `InteractiveTraffic.inFlight({ servers })`
   * in interactive-traffic.ts, read at each evaluation; a failed read counts as none. Calls on
   * other servers are no concern of this lane. While any is in flight the cold lane acts as if a hot job waited: it takes no new cold
   * job, running ones yield at their next chunk boundary, and the hot reserve holds until
   * `hotIdleMs` after the last one was seen.
   */
  interactive?: { inFlight(): Promise<number> };
  /** Off-peak windows and their time zone. */
  windows: ColdWindows;
  timeZone: string;
  /**
   * The window of a price plan (packages/price-windows `PlannedWindows.state`), read at each
   * evaluation in place of `windows`; null where the plan says nothing (none yet, or stale): the
   * fixed windows decide then. Its transitions are found by the poll, not by cron.
   */
  plannedWindow?: (at: Date) => ColdWindowState | null;
  /** Cached VRAM probe. */
  probe: VramProbe;
  /**
   * The model server's own load (vLLM or SGLang `/metrics`), cached like the VRAM probe. When
   * given, admission follows the server's queue instead of GPU memory (such a server reserves its
   * memory at start), and the tuner reads that queue.
   */
  server?: ServerLoadProbe;
  reserveMiB: number;
  memoryPerSlotMiB: number;
  /** Most cold jobs at once (`NIGHTSHIFT_COLD_CONCURRENCY`); the tuner's cap when there is one. */
  maxSlots: number;
  /**
   * Finds the cold concurrency at which the server stops giving more throughput; without one the
   * lane runs at `maxSlots` (less what memory allows).
   */
  tuner?: ConcurrencyTuner;
  /**
   * How long after a cold job starts its KV memory may still be missing from a VRAM reading (the
   * server allocates it when the request gets a slot; the probe sees it one reading later). Until
   * then the job is charged a session's memory. Default 3000 ms.
   */
  kvSettleMs?: number;
  /** After the window closes, running cold jobs may finish for this long, then yield. */
  graceMs: number;
  /** How often hot demand and VRAM are re-read. Default 250 ms (nvidia-smi takes ~22 ms). */
  pollMs?: number;
  /** Injected clock for tests. */
  now?: () => Date;
  /**
   * Cold slots kept free for interactive work while hot traffic is recent (within
   * `hotIdleMs`), so a hot request does not wait for a cold chunk to free a GPU slot. At least
   * one cold slot always remains. Default 0.
   */
  hotReserveSlots?: number;
  /** How long after the last hot job the reserve holds. Default 60 s. */
  hotIdleMs?: number;
  /** True when a deadline would be missed at the current pace: cold work may run outside the window. */
  deadlinePressure?: () => boolean;
  /** Called at each window transition (e.g. unload models loaded only for cold work). */
  onWindowChange?: (state: ColdWindowState) => void | Promise<void>;
}

/** What the controller last saw and decided; published for `GET /v1/workers`. */
export interface ColdLaneSnapshot {
  window: ColdWindowState;
  reading: VramReading | null;
  hotWaiting: number;
  /** Interactive calls in flight (gateway, outside BullMQ) at the last evaluation. */
  interactiveInFlight: number;
  runningCold: number;
  admission: ColdAdmission | null;
  paused: boolean;
  /** The model server's load at the last evaluation, when it reports one. */
  server: ServerLoadReading | null;
  /** The tuner's current limit, when the lane tunes itself. */
  tunedLimit: number | null;
}

/**
 * Decides, several times a second and at every window transition, whether this worker's cold
 * lane may take jobs and how many at once. The window transitions are node-cron tasks in the
 * configured zone; the state is computed from the clock at start-up too, so a worker started
 * mid-window opens at once.
 *
 * @example
 * const lane = new ColdLaneController({ coldWorker, hotQueue, windows, timeZone: 'UTC', probe, ... });
 * await lane.start();
 * processor: shouldYield: () => lane.shouldYield()
 */
export class ColdLaneController {
  readonly #o: ColdLaneControllerOptions;
  readonly #now: () => Date;
  #tasks: ScheduledTask[] = [];
  #timer: NodeJS.Timeout | undefined;
  #running = 0;
  /** Start times (ms, this clock) of the running cold jobs, oldest first. */
  #startedAt: number[] = [];
  /** The last distinct server reading showed requests waiting (assumed until one is read). */
  #serverQueued = true;
  #lastHotAt = Number.NEGATIVE_INFINITY;
  #coldDurations: number[] = [];
  #started = false;
  #closedSince: number | null = null;
  #evaluating: Promise<void> | undefined;
  #stopping = false;
  #snapshot: ColdLaneSnapshot;

  readonly #hotRunning: () => number;

  constructor(options: ColdLaneControllerOptions) {
    this.#o = options;
    this.#hotRunning = options.hotRunning ?? (() => 0);
    this.#now = options.now ?? (() => new Date());
    this.#snapshot = {
      window: this.#windowAt(this.#now()),
      reading: null,
      hotWaiting: 0,
      interactiveInFlight: 0,
      runningCold: 0,
      admission: null,
      paused: true,
      server: null,
      tunedLimit: options.tuner?.limit ?? null,
    };
  }

  /** Starts watching: evaluates now, then on every poll and window transition. */
  async start(): Promise<void> {
    for (const expression of windowCronExpressions(this.#o.windows)) {
      this.#tasks.push(
        cron.schedule(expression, () => this.#evaluateSoon(), { timezone: this.#o.timeZone }),
      );
    }
    await this.evaluate();
    this.#timer = setInterval(() => this.#evaluateSoon(), this.#o.pollMs ?? 250);
    this.#timer.unref();
  }

  /**
   * Wraps the cold processor: counts and times cold jobs, and hands back (to the queue, no
   * attempt counted) a job that a blocking fetch delivered just after the lane paused —
   * BullMQ's local pause stops the next fetch, not one already in flight (the same holds
   * while the worker stops).
   */
  track<R>(processor: (job: Job, token?: string) => Promise<R>) {
    return async (job: Job, token?: string): Promise<R> => {
      // shouldYield: a hot job may have started before the evaluation it triggered paused us.
      if (this.#snapshot.paused || this.#stopping || this.shouldYield()) {
        await job.moveToWait(token);
        throw new WaitingError();
      }
      this.#running++;
      const started = performance.now();
      const startedAt = this.#now().getTime();
      this.#startedAt.push(startedAt);
      try {
        return await processor(job, token);
      } finally {
        this.#running--;
        this.#startedAt.splice(this.#startedAt.indexOf(startedAt), 1);
        this.#coldDurations.push(performance.now() - started);
        if (this.#coldDurations.length > 50) this.#coldDurations.shift();
      }
    };
  }

  /**
   * True when a running cold job should hand its document back at the next chunk boundary:
   * hot work waits or runs here, interactive calls are in flight, VRAM is over the threshold, or the window closed more than
   * the grace ago, or the worker is shutting down (its documents go back to the queue).
   */
  shouldYield(): boolean {
    if (this.#stopping) return true;
    const { hotWaiting, interactiveInFlight, admission } = this.#snapshot;
    if (hotWaiting > 0 || interactiveInFlight > 0 || this.#hotRunning() > 0) return true;
    if (admission?.reason === 'vram_short') return true;
    const closedFor = this.#closedSince === null ? 0 : this.#now().getTime() - this.#closedSince;
    return this.#closedSince !== null && closedFor >= this.#o.graceMs;
  }

  /** Tells the controller a hot job started here: cold work steps aside and the reserve holds. */
  noteHotActivity(): void {
    this.#lastHotAt = this.#now().getTime();
    this.#evaluateSoon();
  }

  /** Mean duration of recent cold jobs here, in ms (30 s before any ran). */
  averageColdMs(): number {
    const d = this.#coldDurations;
    return d.length === 0 ? 30_000 : d.reduce((sum, ms) => sum + ms, 0) / d.length;
  }

  snapshot(): ColdLaneSnapshot {
    return this.#snapshot;
  }

  /** Fire-and-forget evaluation for timers: a failure (Redis away) waits for the next tick. */
  #evaluateSoon(): void {
    this.evaluate().catch(() => {});
  }

  /** Re-reads the window, hot demand (queued, running, interactive) and VRAM, then pauses or resizes the cold lane. */
  evaluate(): Promise<void> {
    this.#evaluating ??= this.#evaluate().finally(() => {
      this.#evaluating = undefined;
    });
    return this.#evaluating;
  }

  async #evaluate(): Promise<void> {
    const o = this.#o;
    const now = this.#now();
    const window = this.#windowAt(now);
    const [reading, server, hotWaiting, interactiveInFlight] = await Promise.all([
      o.probe.read(),
      o.server?.read(),
      o.hotQueue.getWaitingCount().catch(() => 0),
      o.interactive ? o.interactive.inFlight().catch(() => 0) : 0,
    ]);
    // A gateway call is hot activity this worker never sees start: the reserve counts from the
    // last evaluation that saw one.
    if (interactiveInFlight > 0) this.#lastHotAt = now.getTime();
    const hotDemand = hotWaiting > 0 || interactiveInFlight > 0 || this.#hotRunning() > 0;
    const pressed = !window.open && (o.deadlinePressure?.() ?? false);
    const hotRecently = hotDemand || now.getTime() - this.#lastHotAt < (o.hotIdleMs ?? 60_000);
    const laneOpen = window.open || pressed;
    // The tuner steps back on hot demand and learns only from a lane that runs: hot demand and
    // closed windows say nothing about the server's capacity.
    if (o.tuner && hotDemand) o.tuner.hotTraffic(now.getTime());
    const limit =
      o.tuner && laneOpen && !hotDemand
        ? o.tuner.update(now.getTime(), {
            inFlight: this.#running,
            ...(server?.status === 'ok'
              ? { waiting: server.load.waiting, serverRunning: server.load.running }
              : {}),
          })
        : (o.tuner?.limit ?? o.maxSlots);
    // The reserve never takes the last cold slot: batch work still moves on a busy day.
    const maxSlots = hotRecently ? Math.max(1, limit - (o.hotReserveSlots ?? 0)) : limit;
    const admission = coldAdmission({
      windowOpen: laneOpen,
      reading,
      hotWaiting: hotDemand,
      reserveMiB: o.reserveMiB,
      memoryPerSlotMiB: o.memoryPerSlotMiB,
      maxSlots,
      runningCold: this.#running,
      unseenCold: this.#unseenAt(reading.at.getTime()),
      ...(server ? { server, serverQueuedBefore: this.#serverQueued } : {}),
    });
    // Readings are cached: only a new one moves the queue's history on.
    if (server?.status === 'ok' && server.at !== this.#snapshot.server?.at) {
      this.#serverQueued = server.load.waiting > 0;
    }
    const windowChanged = window.open !== this.#snapshot.window.open;
    if (!window.open && !pressed) this.#closedSince ??= now.getTime();
    else this.#closedSince = null;

    const worker = o.coldWorker;
    // Every slot busy (or VRAM holding no further slot) is the steady state, not a reason to
    // stop: BullMQ fetches no more than `concurrency`. Pausing there would also stop each
    // finishing job from fetching the next, draining the lane until the next evaluation. A
    // server with a queue is different: a finishing job's place belongs to whoever waits there.
    const keepRunning =
      admission.admit ||
      (admission.slots > 0 &&
        (admission.reason === 'slots_full' || admission.reason === 'vram_insufficient'));
    if (keepRunning) {
      const widened = Math.max(1, admission.slots) > worker.concurrency;
      worker.concurrency = Math.max(1, admission.slots);
      if (!this.#started) {
        this.#started = true;
        void worker.run().catch(() => {});
      } else if (worker.isPaused()) {
        await worker.resume();
      } else if (widened) {
        // BullMQ's main loop fetches up to `concurrency` only after a running job ends: with
        // jobs of seconds, a raised concurrency would wait that long. resume() wakes the loop.
        await worker.pause(true);
        await worker.resume();
      }
    } else if (this.#started && !worker.isPaused()) {
      this.#snapshot = { ...this.#snapshot, paused: true };
      await worker.pause(true);
    }
    this.#snapshot = {
      window,
      reading,
      hotWaiting,
      interactiveInFlight,
      runningCold: this.#running,
      admission,
      paused: !this.#started || worker.isPaused(),
      server: server ?? null,
      tunedLimit: o.tuner?.limit ?? null,
    };
    if (windowChanged) await o.onWindowChange?.(window);
  }

  /** The price plan's window where it has one for `at`, else the fixed windows'. */
  #windowAt(at: Date): ColdWindowState {
    const o = this.#o;
    return o.plannedWindow?.(at) ?? coldWindowState(o.windows, at, o.timeZone);
  }

  /** The model server ran out of memory or answered busy: the tuner halves the cold lane at once. */
  noteServerOverload(): void {
    if (!this.#o.tuner) return;
    this.#o.tuner.overload(this.#now().getTime());
    this.#evaluateSoon();
  }

  /** A cold document finished: its pace per token feeds the tuner. */
  noteColdDocument(durationMs: number, completionTokens: number): void {
    this.#o.tuner?.recordDocument(this.#now().getTime(), { durationMs, completionTokens });
  }

  /** Running cold jobs too young for a reading taken at `readingAt` to show their memory. */
  #unseenAt(readingAt: number): number {
    const settledBefore = readingAt - (this.#o.kvSettleMs ?? 3000);
    let unseen = 0;
    for (let i = this.#startedAt.length - 1; i >= 0; i--) {
      if ((this.#startedAt[i] as number) <= settledBefore) break;
      unseen++;
    }
    return unseen;
  }

  /** Stops watching; from now on running cold jobs yield at their next chunk boundary. */
  async stop(): Promise<void> {
    this.#stopping = true;
    for (const task of this.#tasks) task.stop();
    this.#tasks = [];
    if (this.#timer) clearInterval(this.#timer);
    await this.#evaluating;
  }
}
