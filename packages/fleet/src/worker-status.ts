import { gpuMemorySchema } from '@nightshift/gpu';
import { z } from 'zod';

/**
 * What a worker publishes about itself, several times a second while it lives: the JSON in
 * Redis and each item of `GET /v1/workers`. GPUs are the gpu package's own reading, unchanged.
 */
export const workerStatusSchema = z.object({
  id: z.string(),
  host: z.string(),
  pid: z.number().int(),
  startedAt: z.string(),
  updatedAt: z.string(),
  provider: z.string().describe('`ollama`, `openai` or `extractive`.'),
  gpu: z.object({
    /** `nvidia-smi`, `ollama` or `none`. */
    probe: z.string(),
    /** `ok`, `unknown` (probe failed) or `none` (no GPU facts by configuration). */
    status: z.enum(['ok', 'unknown', 'none']),
    reason: z.string().optional(),
    gpus: z.array(gpuMemorySchema),
  }),
  window: z.object({
    spec: z.string(),
    timeZone: z.string(),
    open: z.boolean(),
    nextTransition: z.string().nullable(),
  }),
  lanes: z.object({
    hot: z.object({ slots: z.number().int(), running: z.number().int() }),
    cold: z.object({
      slots: z.number().int(),
      running: z.number().int(),
      paused: z.boolean(),
      reason: z.string().nullable(),
      /** The self-tuned concurrency (null: fixed at NIGHTSHIFT_COLD_CONCURRENCY). */
      tunedLimit: z.number().int().nullable().optional(),
      /** The model server's own load (vLLM/SGLang `/metrics`), when it reports one. */
      server: z
        .object({
          running: z.number(),
          waiting: z.number(),
          kvUsage: z.number().nullable(),
          generatedTokens: z.number().nullable(),
        })
        .nullable()
        .optional(),
    }),
  }),
  modelsLoaded: z.array(z.string()),
  /** Durations of the most recent hot jobs, for an honest Retry-After. */
  recentHotMs: z.array(z.number()),
});

/** What a worker publishes about itself; see {@link workerStatusSchema}. */
export type WorkerStatus = z.infer<typeof workerStatusSchema>;
