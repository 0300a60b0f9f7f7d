/**
 * What this worker's lanes are doing: hot jobs in flight, recent hot durations (for an honest
 * Retry-After), and which models each lane used (so models loaded only for cold work can be
 * unloaded when the window closes).
 */
export class LaneActivity {
  hotRunning = 0;
  readonly #hotDurations: number[] = [];
  readonly coldModels = new Set<string>();
  readonly hotModels = new Set<string>();
  /** Called when a hot job starts, so the cold lane can step aside at once. */
  onHotStart: () => void = () => {};

  /** Wraps the hot processor to count it and time it. */
  trackHot<A extends unknown[], R extends { model: string; durationMs: number }>(
    processor: (...args: A) => Promise<R>,
  ) {
    return async (...args: A): Promise<R> => {
      this.hotRunning++;
      this.onHotStart();
      try {
        const result = await processor(...args);
        this.#hotDurations.push(result.durationMs);
        if (this.#hotDurations.length > 50) this.#hotDurations.shift();
        this.hotModels.add(result.model);
        return result;
      } finally {
        this.hotRunning--;
      }
    };
  }

  recentHotMs(): number[] {
    return [...this.#hotDurations];
  }

  /** Models used by cold work and not by hot work: safe to unload when the window closes. */
  coldOnlyModels(): string[] {
    return [...this.coldModels].filter((model) => !this.hotModels.has(model));
  }
}
