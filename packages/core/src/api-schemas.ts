import { z } from 'zod';
import { documentEventType, summaryOptions } from './batch-schemas.ts';

/** A document id chosen by the client; generated (`doc_<n>`) when absent. */
export const documentId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:@/-]+$/, 'letters, digits and _ . : @ / - only');

const base64 = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9+/\r\n]+={0,2}\s*$/, 'base64-encoded bytes');

/** One document of a JSON batch: exactly one of `text` or `pdf` (base64). */
export const documentInput = z
  .object({
    id: documentId.optional(),
    text: z.string().min(1, 'text must not be empty').optional(),
    pdf: base64.optional(),
  })
  .strict()
  .refine((d) => (d.text === undefined) !== (d.pdf === undefined), {
    message: 'give exactly one of text or pdf',
  });
export type DocumentInput = z.infer<typeof documentInput>;

/** How long a batch may take before what is left expires: `30m` .. `7d`. */
export const completionWindow = z
  .string()
  .regex(/^\d+(m|h|d)$/, 'a duration such as 30m, 24h or 7d')
  .refine((w) => {
    const n = Number.parseInt(w, 10);
    const minutes = w.endsWith('m') ? n : w.endsWith('h') ? n * 60 : n * 1440;
    return minutes >= 1 && minutes <= 7 * 1440;
  }, 'between 1m and 7d');

export const webhookInput = z
  .object({
    url: z.string().url().max(2048),
    /** Extra per-document events; batch-level events are always sent. */
    events: z.array(documentEventType).max(2).default([]),
  })
  .strict();

export const metadata = z
  .record(z.string().max(64), z.string().max(512))
  .refine((m) => Object.keys(m).length <= 16, 'at most 16 keys');

/** Everything of `POST /v1/batches` except the documents (also the multipart `options` part). */
export const batchOptions = z
  .object({
    model: z.string().min(1).max(200).optional(),
    summary: summaryOptions.optional(),
    webhook: webhookInput.optional(),
    completionWindow: completionWindow.optional(),
    metadata: metadata.optional(),
  })
  .strict();
export type BatchOptions = z.infer<typeof batchOptions>;

/** JSON body of `POST /v1/batches`. The document limit is enforced by the API from config. */
export const createBatchBody = batchOptions.extend({
  documents: z.array(documentInput).min(1, 'a batch needs at least one document'),
});
export type CreateBatchBody = z.infer<typeof createBatchBody>;

/** JSON body of `POST /v1/summaries` (hot lane). */
export const createSummaryBody = z
  .object({
    text: z.string().min(1).optional(),
    pdf: base64.optional(),
    model: z.string().min(1).max(200).optional(),
    summary: summaryOptions.optional(),
  })
  .strict()
  .refine((d) => (d.text === undefined) !== (d.pdf === undefined), {
    message: 'give exactly one of text or pdf',
  });
export type CreateSummaryBody = z.infer<typeof createSummaryBody>;

/** Answer of `POST /v1/summaries`. */
export const summaryResponse = z.object({
  summary: z.string(),
  model: z.string(),
  degraded: z.boolean(),
  usage: z.object({ promptTokens: z.number(), completionTokens: z.number() }),
  durationMs: z.number(),
});
export type SummaryResponse = z.infer<typeof summaryResponse>;

export const listBatchesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  after: z.string().startsWith('batch_').optional(),
});
