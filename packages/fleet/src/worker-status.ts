import { gpuMemorySchema } from '@nightshift/gpu';
import { z } from 'zod';

/** One model server's cold places as a worker sees them (`lanes.cold.servers`). */
export const coldServerStatusSchema = z.object({
  id: z
    .string()
    .describe(
      'Opaque name of the server, the same on every worker that uses it (never its address).',
    ),
  kind: z.enum(['ollama', 'openai']),
  batching: z
    .enum(['continuous', 'slots'])
    .describe('`slots`: fixed parallel slots (Ollama); `continuous`: continuous batching (vLLM).'),
  places: z
    .number()
    .int()
    .describe('The most cold calls it may hold: its slots, or `maxSequences − chatReserve`.'),
  limit: z
    .number()
    .int()
    .describe('The most it may hold now: fewer while chats run on it or requests wait inside it.'),
  coldInFlight: z.number().int().describe("This worker's cold calls on it."),
  coldInFlightAll: z.number().int().describe('Cold calls of every worker on it, as last read.'),
  chats: z
    .number()
    .int()
    .nullable()
    .describe('Chats running on it (fixed slots); null where a chat reserve is kept instead.'),
});

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
      /**
       * The cold places of each model server this worker uses, as its last evaluation decided;
       * servers are named without their address (tenants read this).
       */
      servers: z.array(coldServerStatusSchema).optional(),
    }),
  }),
  modelsLoaded: z.array(z.string()),
  /** Durations of the most recent hot jobs, for an honest Retry-After. */
  recentHotMs: z.array(z.number()),
});

/** One server's cold places in a worker's status; see {@link coldServerStatusSchema}. */
export type ColdServerStatus = z.infer<typeof coldServerStatusSchema>;

/** What a worker publishes about itself; see {@link workerStatusSchema}. */
export type WorkerStatus = z.infer<typeof workerStatusSchema>;
