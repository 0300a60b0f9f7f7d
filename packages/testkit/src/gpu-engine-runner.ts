/**
 * Runs a {@link GpuEngine} in real time: while it has work, wait one step's duration, then step.
 * Kept apart from the engine so the scheduling logic stays free of timers.
 */
import type { GpuEngine } from './gpu-engine.ts';

/** Drives one engine with `setTimeout`; idle (no timer) while the engine has nothing to do. */
export class GpuEngineRunner {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(readonly engine: GpuEngine) {}

  /** Call after submitting work: starts stepping unless a step is already scheduled. */
  wake(): void {
    if (this.timer || this.stopped || !this.engine.busy()) return;
    // Admission happens as the step starts, as in vLLM's scheduler, not after its duration.
    this.engine.admit();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.engine.step();
      this.wake();
    }, this.engine.stepMs());
  }

  /** Stops stepping for good (the server is closing). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
