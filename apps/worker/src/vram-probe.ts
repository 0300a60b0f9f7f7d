import { spawnSync } from 'node:child_process';
import type { Config } from '@nightshift/core';
import {
  createNoneProbe,
  createNvidiaSmiProbe,
  createOllamaPsProbe,
  createServerLoadProbe,
  metricsUrlOf,
  type ServerLoadProbe,
  type VramProbe,
} from '@nightshift/gpu';

/**
 * The VRAM probe the configuration asks for: `NIGHTSHIFT_GPU_PROBE`, defaulting to
 * nvidia-smi when that binary runs here, else none.
 */
export async function createVramProbe(config: Config): Promise<VramProbe> {
  const kind =
    config.NIGHTSHIFT_GPU_PROBE ?? (runs(config.NIGHTSHIFT_NVIDIA_SMI) ? 'nvidia-smi' : 'none');
  switch (kind) {
    case 'nvidia-smi':
      return createNvidiaSmiProbe({
        binary: config.NIGHTSHIFT_NVIDIA_SMI,
        ...(config.NIGHTSHIFT_GPU_INDEX !== undefined
          ? { gpuIndex: config.NIGHTSHIFT_GPU_INDEX }
          : {}),
        ...(config.CUDA_VISIBLE_DEVICES ? { cudaVisibleDevices: config.CUDA_VISIBLE_DEVICES } : {}),
      });
    case 'ollama':
      if (!config.NIGHTSHIFT_GPU_MEMORY_MIB) {
        throw new Error(
          'NIGHTSHIFT_GPU_PROBE=ollama needs NIGHTSHIFT_GPU_MEMORY_MIB (the card size)',
        );
      }
      return createOllamaPsProbe({
        host: config.OLLAMA_HOST,
        cardMiB: config.NIGHTSHIFT_GPU_MEMORY_MIB,
      });
    default:
      return createNoneProbe();
  }
}

function runs(binary: string): boolean {
  return spawnSync(binary, ['--version'], { stdio: 'ignore', timeout: 3000 }).status === 0;
}

/**
 * The model server's own load probe (vLLM or SGLang `/metrics`): `NIGHTSHIFT_SERVER_METRICS_URL`,
 * or, unset, the `/metrics` beside the OpenAI-compatible base URL when that is the provider.
 * Ollama has no such endpoint; its lane goes by GPU memory.
 */
export function createServerLoadProbeFor(config: Config): ServerLoadProbe | undefined {
  const configured = config.NIGHTSHIFT_SERVER_METRICS_URL;
  if (configured === 'none') return undefined;
  const url =
    configured ??
    (config.NIGHTSHIFT_PROVIDER === 'openai'
      ? metricsUrlOf(config.NIGHTSHIFT_OPENAI_BASE_URL)
      : undefined);
  return url ? createServerLoadProbe({ url, cacheMs: 250 }) : undefined;
}
