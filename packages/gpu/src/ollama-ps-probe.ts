import { z } from 'zod';
import { gpuMemory, type VramProbe, type VramReading } from './vram-reading.ts';

/** Options of {@link createOllamaPsProbe}. */
export interface OllamaPsProbeOptions {
  /** Ollama server, e.g. `http://127.0.0.1:11434` (`OLLAMA_HOST`). */
  host: string;
  /** Card memory to count against (`NIGHTSHIFT_GPU_MEMORY_MIB`): Ollama does not report it. */
  cardMiB: number;
  /** A slower answer is `unknown`. Default 2000 ms. */
  timeoutMs?: number;
}

// Only the fields we use; Ollama sends more (digest, details, expires_at, …).
const psResponse = z.object({
  models: z.array(z.object({ name: z.string().optional(), size_vram: z.number().nonnegative() })),
});

const MIB = 1024 * 1024;

/**
 * Reads VRAM from Ollama's `GET /api/ps`: the `size_vram` of every loaded model, summed, is
 * the used memory of a card of `cardMiB`. It sees only Ollama's own models, not other
 * processes on the GPU; prefer nvidia-smi where the binary exists. Never throws.
 *
 * @example
 * const probe = createOllamaPsProbe({ host: 'http://127.0.0.1:11434', cardMiB: 24_576 });
 * const reading = await probe.read(); // { status: 'ok', gpus: [{ usedMiB: 19_000, … }], at }
 */
export function createOllamaPsProbe(options: OllamaPsProbeOptions): VramProbe {
  if (!(options.cardMiB > 0)) throw new RangeError('cardMiB must be a positive number of MiB');
  const url = `${options.host.replace(/\/+$/, '')}/api/ps`;
  const timeoutMs = options.timeoutMs ?? 2000;
  return {
    kind: 'ollama',
    async read(): Promise<VramReading> {
      let body: unknown;
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
        if (!response.ok) {
          await response.body?.cancel();
          return unknown(`${url} answered ${response.status}`);
        }
        body = await response.json();
      } catch (error) {
        return unknown(`${url}: ${(error as Error).message}`);
      }
      const parsed = psResponse.safeParse(body);
      if (!parsed.success) return unknown(`${url} sent an unexpected body`);
      const usedBytes = parsed.data.models.reduce((sum, model) => sum + model.size_vram, 0);
      const usedMiB = Math.ceil(usedBytes / MIB);
      const totalMiB = options.cardMiB;
      const gpu = gpuMemory({
        index: 0,
        totalMiB,
        usedMiB,
        freeMiB: Math.max(0, totalMiB - usedMiB),
      });
      return { status: 'ok', gpus: [gpu], at: new Date() };
    },
  };
}

function unknown(reason: string): VramReading {
  return { status: 'unknown', reason, at: new Date() };
}
