/**
 * The GPU stand-in's power model and energy counter: power = idle watts + watts per running
 * sequence (capped), integrated over real time into a cumulative counter in mJ, as NVML's
 * total energy consumption counts. It also counts the stand-in's busy time (≥ 1 running
 * sequence), the figure GPU-time accounting must add up to.
 */

/** Options of the power model. */
export interface GpuPowerOptions {
  /** Watts drawn with nothing running. Default 90 (an H200 idles at ~78 W). */
  idleWatts?: number;
  /** Watts each running sequence adds. Default 6. */
  wattsPerSequence?: number;
  /** The board's power limit, watts. Default 700 (an H200's). */
  maxWatts?: number;
}

/** What {@link GpuPowerMeter} has measured so far. */
export interface GpuPowerReading {
  /** Power drawn now, W. */
  watts: number;
  /** Energy since the stand-in started, mJ. */
  energyMj: number;
  /** Time with at least one running sequence since the stand-in started, s. */
  busySeconds: number;
  /** Sequences running now. */
  running: number;
}

/** Integrates the power model; call {@link update} whenever the running count may change. */
export class GpuPowerMeter {
  readonly #running: () => number;
  readonly #idle: number;
  readonly #perSequence: number;
  readonly #max: number;
  readonly #now: () => number;
  #lastAt: number;
  #lastRunning = 0;
  #energyMj = 0;
  #busyMs = 0;

  constructor(running: () => number, options: GpuPowerOptions = {}, now = () => performance.now()) {
    this.#running = running;
    this.#idle = options.idleWatts ?? 90;
    this.#perSequence = options.wattsPerSequence ?? 6;
    this.#max = options.maxWatts ?? 700;
    this.#now = now;
    this.#lastAt = now();
  }

  /** Power at `running` sequences, W. */
  wattsAt(running: number): number {
    return Math.min(this.#max, this.#idle + this.#perSequence * running);
  }

  /** Books the time since the last update at the count seen then, and reads the count anew. */
  update(): void {
    const at = this.#now();
    const ms = at - this.#lastAt;
    if (ms > 0) {
      // W × ms = mJ.
      this.#energyMj += this.wattsAt(this.#lastRunning) * ms;
      if (this.#lastRunning > 0) this.#busyMs += ms;
    }
    this.#lastAt = at;
    this.#lastRunning = this.#running();
  }

  /** The counters as of now. */
  read(): GpuPowerReading {
    this.update();
    return {
      watts: this.wattsAt(this.#lastRunning),
      energyMj: this.#energyMj,
      busySeconds: this.#busyMs / 1000,
      running: this.#lastRunning,
    };
  }
}

/** DCGM-exporter-style lines for one GPU (`gpu="0"`), appended to the stand-in's /metrics. */
export function dcgmMetricsText(reading: GpuPowerReading, uuid: string): string {
  const labels = `gpu="0",UUID="${uuid}",device="nvidia0",modelName="NVIDIA H200",Hostname="gpu-stand-in"`;
  return [
    '# HELP DCGM_FI_DEV_POWER_USAGE Power draw (in W).',
    '# TYPE DCGM_FI_DEV_POWER_USAGE gauge',
    `DCGM_FI_DEV_POWER_USAGE{${labels}} ${reading.watts.toFixed(3)}`,
    '# HELP DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION Total energy consumption since boot (in mJ).',
    '# TYPE DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION counter',
    `DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{${labels}} ${Math.floor(reading.energyMj)}`,
    '',
  ].join('\n');
}
