import { z } from 'zod';

/** Lifecycle of a batch (the public contract v1; docs/ARCHITECTURE.md, "The flow of a batch"). */
export const batchStatus = z.enum([
  'queued',
  'running',
  'completed',
  'completed_with_errors',
  'failed',
  'cancelled',
  'expired',
]);
export type BatchStatus = z.infer<typeof batchStatus>;

/** States a batch never leaves. */
export const terminalBatchStatuses: readonly BatchStatus[] = [
  'completed',
  'completed_with_errors',
  'failed',
  'cancelled',
  'expired',
];

/** Lifecycle of one document of a batch. */
export const documentStatus = z.enum([
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'expired',
]);
export type DocumentStatus = z.infer<typeof documentStatus>;

export const usage = z.object({
  promptTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative(),
});
export type Usage = z.infer<typeof usage>;

/**
 * A batch's or a document's use of the GPUs: tokens, and its model calls' shares of their
 * servers' busy time and energy (see the README's "Accounting").
 */
export const workUsage = usage.extend({
  /** Seconds of GPU time: each call's share of its server's busy time, retries included. */
  gpuSeconds: z.number().nonnegative(),
  /** Energy of those seconds, Wh, from the GPUs' own counters; null where no server reports energy. */
  energyWh: z.number().nonnegative().nullable(),
});
export type WorkUsage = z.infer<typeof workUsage>;

export const summaryOptions = z
  .object({
    /** Upper bound on the summary's length in words. Default 200 (headline: 20). */
    maxWords: z.number().int().min(10).max(2000).optional(),
    /** `paragraph` prose, `bullets` (one `- ` line per point) or a one-line `headline`. Default `paragraph`. */
    style: z.enum(['paragraph', 'bullets', 'headline']).optional(),
    /** Language of the summary as a BCP 47 tag or a name, e.g. `en`, `de`, `French`. Default: the document's. */
    language: z.string().min(2).max(35).optional(),
  })
  .strict();
/** Shape of the summary a caller asks for: the API's `summary` object, also what the summarizers take. */
export type SummaryOptions = z.infer<typeof summaryOptions>;

export const batchCounts = z.object({
  total: z.number().int(),
  queued: z.number().int(),
  running: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  cancelled: z.number().int(),
  expired: z.number().int(),
});
export type BatchCounts = z.infer<typeof batchCounts>;

/** Per-document event names a batch may subscribe its webhook to (off by default). */
export const documentEventType = z.enum(['document.completed', 'document.failed']);

/** The batch object of `GET /v1/batches/:id` and of webhook events. */
export const batchObject = z.object({
  id: z.string().startsWith('batch_'),
  object: z.literal('batch'),
  status: batchStatus,
  counts: batchCounts,
  model: z.string(),
  summary: summaryOptions,
  usage: workUsage,
  metadata: z.record(z.string(), z.string()),
  webhook: z.object({ url: z.string(), events: z.array(documentEventType) }).nullable(),
  completionWindow: z.string(),
  scheduleId: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  cancelledAt: z.string().nullable(),
  expiresAt: z.string(),
});
export type BatchObject = z.infer<typeof batchObject>;

export const documentError = z.object({ code: z.string(), message: z.string() });
export type DocumentError = z.infer<typeof documentError>;

/** One NDJSON line of `GET /v1/batches/:id/results`. */
export const documentResult = z.object({
  documentId: z.string(),
  status: documentStatus,
  summary: z.string().optional(),
  error: documentError.optional(),
  model: z.string().nullable(),
  degraded: z.boolean().optional(),
  usage: usage.extend({
    gpuSeconds: workUsage.shape.gpuSeconds.optional(),
    energyWh: workUsage.shape.energyWh.optional(),
  }),
  /** A request line of an OpenAI-compatible batch: the upstream's answer as OpenAI writes it. */
  response: z
    .object({ statusCode: z.number().int(), requestId: z.string(), body: z.unknown() })
    .optional(),
});
export type DocumentResult = z.infer<typeof documentResult>;
