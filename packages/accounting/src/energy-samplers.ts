import type { UpstreamSpec } from '@nightshift/core';
import type { Redis } from 'ioredis';
import type { CallLedger } from './call-ledger.ts';
import { EnergySampler } from './energy-sampler.ts';
import { dcgmEnergySource, type EnergySource, nvidiaSmiEnergySource } from './energy-sources.ts';

/** Options of {@link startEnergySamplers}. */
export interface EnergySamplersOptions {
  /** A client connection (commands only). */
  redis: Redis;
  ledger: CallLedger;
  /** The upstreams (their `id` and `energy` spec); those without `energy` get no sampler. */
  upstreams: ReadonlyArray<Pick<UpstreamSpec, 'energy'> & { id: string }>;
  /** `NIGHTSHIFT_NVIDIA_SMI`: the binary for upstreams with `energy: "nvidia-smi"`. */
  nvidiaSmi: string;
  /** Time between samples, ms. Default 1000. */
  periodMs?: number;
  /** Hears a failed sample (the next period tries again). */
  onError?: (error: unknown, server: string) => void;
  /** Hears each booked sample's idle energy, J (the `/metrics` idle counter). */
  onIdleEnergy?: (server: string, joules: number) => void;
}

/** The energy source an upstream's `energy` spec names. */
export function energySourceOf(
  energy: NonNullable<UpstreamSpec['energy']>,
  nvidiaSmi: string,
): EnergySource {
  if (energy === 'nvidia-smi') return nvidiaSmiEnergySource({ binary: nvidiaSmi });
  if (energy.source === 'nvidia-smi')
    return nvidiaSmiEnergySource({
      binary: nvidiaSmi,
      ...(energy.gpus ? { gpus: energy.gpus } : {}),
    });
  return dcgmEnergySource({ url: energy.url, ...(energy.gpus ? { gpus: energy.gpus } : {}) });
}

/**
 * One {@link EnergySampler} per upstream with an `energy` source, started; the replicas that
 * run them share each server's sampling through its lease. `stop()` stops them and gives
 * their leases back.
 *
 * @example
 * const samplers = startEnergySamplers({ redis, ledger, upstreams: pool.upstreams, nvidiaSmi: config.NIGHTSHIFT_NVIDIA_SMI });
 * await samplers.stop();
 */
export function startEnergySamplers(options: EnergySamplersOptions): { stop(): Promise<void> } {
  const samplers = options.upstreams.flatMap((upstream) => {
    if (!upstream.energy) return [];
    const sampler = new EnergySampler({
      redis: options.redis,
      server: upstream.id,
      source: energySourceOf(upstream.energy, options.nvidiaSmi),
      ledger: options.ledger,
      ...(options.periodMs ? { periodMs: options.periodMs } : {}),
      onError: (error) => options.onError?.(error, upstream.id),
      onSample: (sample) => options.onIdleEnergy?.(upstream.id, sample.idleJ),
    });
    sampler.start();
    return [sampler];
  });
  return {
    async stop() {
      await Promise.all(samplers.map((s) => s.stop()));
      await Promise.all(samplers.map((s) => s.release().catch(() => {})));
    },
  };
}
