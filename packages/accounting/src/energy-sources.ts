import { execFile } from 'node:child_process';

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

const labelPattern = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/** The samples of one metric family in Prometheus text: labels and value per line. */
export function promSamples(
  text: string,
  name: string,
): Array<{ labels: Record<string, string>; value: number }> {
  const out: Array<{ labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' '))
      continue;
    const close = line.lastIndexOf('}');
    const labelText = line[name.length] === '{' ? line.slice(name.length + 1, close) : '';
    const rest = line.slice(close >= 0 && line[name.length] === '{' ? close + 1 : name.length);
    const value = Number(rest.trim().split(/\s+/)[0]);
    if (!Number.isFinite(value)) continue;
    const labels: Record<string, string> = {};
    for (const match of labelText.matchAll(labelPattern))
      labels[match[1] as string] = match[2] as string;
    out.push({ labels, value });
  }
  return out;
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
      let text: string;
      try {
        const answer = await fetch(options.url, {
          signal: AbortSignal.timeout(options.timeoutMs ?? 2000),
        });
        if (!answer.ok) return null;
        text = await answer.text();
      } catch {
        return null;
      }
      const energy = promSamples(text, 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION').filter((s) =>
        wanted(s.labels),
      );
      if (energy.length > 0) return energy.reduce((sum, s) => sum + s.value, 0);
      const power = promSamples(text, 'DCGM_FI_DEV_POWER_USAGE').filter((s) => wanted(s.labels));
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
      const stdout = await new Promise<string | null>((resolve) => {
        execFile(
          binary,
          ['--query-gpu=index,uuid,power.draw', '--format=csv,noheader,nounits'],
          { timeout: options.timeoutMs ?? 2000, maxBuffer: 256 * 1024, encoding: 'utf8' },
          (error, out) => resolve(error ? null : out),
        );
      });
      if (stdout === null) return null;
      let watts = 0;
      let seen = 0;
      for (const line of stdout.split('\n')) {
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
