import { prometheusSamples, readMetricsText, runNvidiaSmi } from '@nightshift/gpu';

const powerQuery = ['--query-gpu=index,uuid,power.draw', '--format=csv,noheader,nounits'];

/** A GPU energy counter: cumulative mJ of the server's GPUs, or null when unreadable now. */
export interface EnergySource {
  read(): Promise<number | null>;
}

/**
 * A synthetic energy counter from power samples (W), by the trapezoid rule: for sources that
 * report power but no counter.
 */
export class PowerIntegrator {
  #last: { atMs: number; watts: number } | undefined;
  #mj = 0;

  /** Adds a power sample taken at `atMs`; answers the counter, mJ. */
  add(atMs: number, watts: number): number {
    if (this.#last && atMs > this.#last.atMs)
      this.#mj += ((this.#last.watts + watts) / 2) * (atMs - this.#last.atMs);
    this.#last = { atMs, watts };
    return this.#mj;
  }
}

/** Options of {@link dcgmEnergySource}. */
export interface DcgmEnergySourceOptions {
  /** The exporter's metrics URL (`http://gpu1:9400/metrics`). */
  url: string;
  /** GPUs the server uses, by `gpu` index or `UUID` label. Default: every GPU listed. */
  gpus?: readonly string[];
  /** A scrape that takes longer counts as unreadable. Default 2000 ms. */
  timeoutMs?: number;
}

/**
 * The DCGM exporter's energy counter, `DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION` (mJ since the
 * driver loaded), summed over the server's GPUs; where the exporter lists only
 * `DCGM_FI_DEV_POWER_USAGE` (W), those samples integrated.
 */
export function dcgmEnergySource(options: DcgmEnergySourceOptions): EnergySource {
  const integrator = new PowerIntegrator();
  const wanted = (labels: Record<string, string>) =>
    !options.gpus ||
    options.gpus.includes(labels.gpu ?? '') ||
    options.gpus.includes(labels.UUID ?? '');
  return {
    async read() {
      const page = await readMetricsText(options.url, { timeoutMs: options.timeoutMs ?? 2000 });
      if (!page.ok) return null;
      const energy = prometheusSamples(page.text, 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION').filter(
        (s) => wanted(s.labels),
      );
      if (energy.length > 0) return energy.reduce((sum, s) => sum + s.value, 0);
      const power = prometheusSamples(page.text, 'DCGM_FI_DEV_POWER_USAGE').filter((s) =>
        wanted(s.labels),
      );
      if (power.length === 0) return null;
      return integrator.add(
        Date.now(),
        power.reduce((sum, s) => sum + s.value, 0),
      );
    },
  };
}

/** Options of {@link nvidiaSmiEnergySource}. */
export interface NvidiaSmiEnergySourceOptions {
  /** Path or name of the binary (`NIGHTSHIFT_NVIDIA_SMI`). Default `nvidia-smi`. */
  binary?: string;
  /** GPUs the server uses, by index or UUID. Default: every GPU listed. */
  gpus?: readonly string[];
  /** A query that takes longer counts as unreadable. Default 2000 ms. */
  timeoutMs?: number;
}

/**
 * Energy from `nvidia-smi --query-gpu=index,uuid,power.draw`: nvidia-smi's query interface has
 * no total-energy field (NVML's `nvmlDeviceGetTotalEnergyConsumption` is not among the
 * `--query-gpu` fields), so the board power draw of the server's GPUs is integrated into a
 * synthetic counter. Where the counter itself is wanted, scrape a DCGM exporter.
 */
export function nvidiaSmiEnergySource(options: NvidiaSmiEnergySourceOptions = {}): EnergySource {
  const integrator = new PowerIntegrator();
  const binary = options.binary ?? 'nvidia-smi';
  return {
    async read() {
      const outcome = await runNvidiaSmi(binary, powerQuery, options.timeoutMs ?? 2000);
      if ('error' in outcome) return null;
      let watts = 0;
      let seen = 0;
      for (const line of outcome.stdout.split('\n')) {
        const [index, uuid, power] = line.split(',').map((part) => part.trim());
        if (!index || !uuid || power === undefined) continue;
        if (options.gpus && !options.gpus.includes(index) && !options.gpus.includes(uuid)) continue;
        const value = Number(power);
        if (!Number.isFinite(value)) return null;
        watts += value;
        seen++;
      }
      if (seen === 0) return null;
      return integrator.add(Date.now(), watts);
    },
  };
}
