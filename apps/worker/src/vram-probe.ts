import { spawnSync } from 'node:child_process';
import type { Config } from '@nightshift/core';
import {
  createNoneProbe,
  createNvidiaSmiProbe,
  createOllamaPsProbe,
  createServerLoadProbe,
  type GpuMemory,
  metricsUrlOf,
  type ServerLoadProbe,
  type VramProbe,
  type VramReading,
} from '@nightshift/gpu';

/**
 * The VRAM probe the configuration asks for: `NIGHTSHIFT_GPU_PROBE`, defaulting to
 * nvidia-smi when that binary runs here, else none. `ollama` reads `/api/ps` of every Ollama
 * upstream of the model layer (`ollamaServers`; a single-`OLLAMA_HOST` setup is one).
 */
export async function createVramProbe(
  config: Config,
  ollamaServers: readonly { url: string }[],
): Promise<VramProbe> {
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
      if (ollamaServers.length === 0) {
        throw new Error(
          'NIGHTSHIFT_GPU_PROBE=ollama needs an Ollama model server (OLLAMA_HOST with NIGHTSHIFT_PROVIDER ollama or auto, or an upstream of kind ollama in NIGHTSHIFT_UPSTREAMS)',
        );
      }
      return ollamaServersProbe(
        ollamaServers.map((server) =>
          createOllamaPsProbe({ host: server.url, cardMiB: config.NIGHTSHIFT_GPU_MEMORY_MIB ?? 0 }),
        ),
      );
    default:
      return createNoneProbe();
  }
}

/**
 * One reading over several Ollama servers: a card of `NIGHTSHIFT_GPU_MEMORY_MIB` each, in the
 * order of the upstreams; `unknown` while any of them cannot be read (the cold lane then waits
 * rather than guess at the memory of a card it cannot see).
 */
function ollamaServersProbe(probes: VramProbe[]): VramProbe {
  const [only] = probes;
  if (only && probes.length === 1) return only;
  return {
    kind: 'ollama',
    async read(): Promise<VramReading> {
      const readings = await Promise.all(probes.map((p) => p.read()));
      const gpus: GpuMemory[] = [];
      for (const reading of readings) {
        if (reading.status !== 'ok') return reading;
        for (const gpu of reading.gpus) gpus.push({ ...gpu, index: gpus.length });
      }
      return { status: 'ok', gpus, at: new Date() };
    },
  };
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
