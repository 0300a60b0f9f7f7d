import type { ColdWindowState, ColdWindows } from '@nightshift/gpu';
import { plannedWindowState } from './plan-window.ts';
import type { PriceStore, StoredPlan } from './price-store.ts';

/** Options of {@link PlannedWindows}. */
export interface PlannedWindowsOptions {
  store: PriceStore;
  /** `NIGHTSHIFT_COLD_WINDOWS`: the hours cold work may ever run. */
  limits: ColdWindows;
  timeZone: string;
  /** How often the stored plan is re-read. Default 10 s. */
  refreshMs?: number;
}

/**
 * A worker's copy of the shared price plan, re-read from Redis every few seconds, so the cold
 * lane can ask for its window synchronously several times a second. A failed read keeps the
 * last copy; a plan that lapsed in Redis (nobody plans any more) drops out, and the lane goes
 * back to the fixed windows.
 *
 * @example
 * const planned = new PlannedWindows({ store, limits, timeZone });
 * await planned.start();
 * new ColdLaneController({ ..., plannedWindow: (at) => planned.state(at) });
 */
export class PlannedWindows {
  readonly #o: PlannedWindowsOptions;
  #plan: StoredPlan | null = null;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: PlannedWindowsOptions) {
    this.#o = options;
  }

  /** Reads the plan now, then every `refreshMs`. */
  async start(): Promise<void> {
    await this.refresh();
    this.#timer = setInterval(() => void this.refresh(), this.#o.refreshMs ?? 10_000);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  /** Re-reads the stored plan (a failed read keeps the copy). */
  async refresh(): Promise<void> {
    try {
      this.#plan = await this.#o.store.plan();
    } catch {
      // Redis away: the outage log says so once; the copy serves until it is back.
    }
  }

  /** The plan this worker last read. */
  plan(): StoredPlan | null {
    return this.#plan;
  }

  /** The cold window at `at` under the plan; null when the plan does not cover `at`. */
  state(at: Date): ColdWindowState | null {
    if (!this.#plan) return null;
    return plannedWindowState(this.#plan.hours, this.#o.limits, at, this.#o.timeZone);
  }
}
