import { z } from 'zod';

/**
 * Memory facts of one GPU, in MiB as nvidia-smi reports them: the one shape of a GPU reading.
 * A zod schema because it leaves the worker as JSON (the fleet status in Redis, `GET /v1/workers`);
 * the status registry, the API's document and the VRAM gauges reuse it or pick from it.
 */
export const gpuMemorySchema = z.object({
  /** The GPU's index as nvidia-smi numbers it (0 for a card-size reading such as Ollama's). */
  index: z.number().int(),
  /** `GPU-…` uuid when the source reports one. */
  uuid: z.string().optional(),
  /** Product name, e.g. `NVIDIA H200`. */
  name: z.string().optional(),
  /** Card memory. */
  totalMiB: z.number(),
  /** Memory held by processes, as reported. */
  usedMiB: z.number(),
  /**
   * Memory free for new allocations, as reported. Admission uses this, never `total − used`:
   * the driver reserves memory that is in neither figure (616 MiB on the H200 captures).
   */
  freeMiB: z.number(),
  /** `(total − free) / total × 100`, rounded to 0.01: the share that is not available to us. */
  usedPct: z.number(),
});

/** Memory facts of one GPU; see {@link gpuMemorySchema}. */
export type GpuMemory = z.infer<typeof gpuMemorySchema>;

/**
 * One VRAM observation.
 * - `ok`: GPU facts were read.
 * - `unknown`: the probe failed (missing binary, exit code, timeout, garbage); cold work waits.
 * - `none`: the worker runs without GPU facts by configuration (`NIGHTSHIFT_GPU_PROBE=none`);
 *   admission ignores VRAM entirely.
 */
export type VramReading =
  | {
      status: 'ok';
      /** The GPUs this worker uses: the selected one, or every GPU when none was selected. */
      gpus: GpuMemory[];
      /** When the reading was taken. */
      at: Date;
    }
  | {
      status: 'unknown';
      /** Why no facts: meant for logs and `GET /v1/workers`. */
      reason: string;
      at: Date;
    }
  | { status: 'none'; at: Date };

/** Where a probe reads its facts from. */
export type VramProbeKind = 'nvidia-smi' | 'ollama' | 'none';

/**
 * A source of VRAM readings. `read()` never throws: failures come back as `unknown`.
 *
 * @example
 * const reading = await probe.read();
 * if (reading.status === 'ok') console.log(reading.gpus[0]?.freeMiB);
 */
export interface VramProbe {
  /** The source of the readings. */
  readonly kind: VramProbeKind;
  /** Takes (or, for a cached probe, reuses) a reading. */
  read(): Promise<VramReading>;
}

/** Builds a {@link GpuMemory}, deriving `usedPct` from total and free. */
export function gpuMemory(fields: Omit<GpuMemory, 'usedPct'>): GpuMemory {
  const usedPct =
    fields.totalMiB > 0
      ? Math.round(((fields.totalMiB - fields.freeMiB) / fields.totalMiB) * 10_000) / 100
      : 100;
  return { ...fields, usedPct };
}

/** One figure for several GPUs: free memory adds up, the fullest card sets the percentage. */
export interface VramSummary {
  /** Sum of the GPUs' free memory. */
  freeMiB: number;
  /** Sum of the GPUs' total memory. */
  totalMiB: number;
  /** Highest `usedPct` among the GPUs: one full card is enough to stop cold work. */
  usedPct: number;
}

/**
 * Folds an `ok` reading's GPUs into one summary (a model split across cards uses all of them).
 *
 * @example
 * summarizeVram(reading.gpus); // { freeMiB: 143156, totalMiB: 143771, usedPct: 0.43 }
 */
export function summarizeVram(gpus: readonly GpuMemory[]): VramSummary {
  let freeMiB = 0;
  let totalMiB = 0;
  let usedPct = 0;
  for (const gpu of gpus) {
    freeMiB += gpu.freeMiB;
    totalMiB += gpu.totalMiB;
    usedPct = Math.max(usedPct, gpu.usedPct);
  }
  return { freeMiB, totalMiB, usedPct: gpus.length === 0 ? 100 : usedPct };
}
