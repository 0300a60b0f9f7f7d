import { z } from 'zod';
import { batchObject, documentResult } from './batch-schemas.ts';

export const batchEventType = z.enum([
  'batch.completed',
  'batch.failed',
  'batch.cancelled',
  'batch.expired',
]);
export type BatchEventType = z.infer<typeof batchEventType>;

/** Body of a webhook POST (the README's "Webhooks"): `{type, timestamp, data}`. */
export const batchEvent = z.object({
  type: batchEventType,
  timestamp: z.string(),
  data: batchObject,
});
export type BatchEvent = z.infer<typeof batchEvent>;

/** Optional per-document event, sent only when the batch subscribed to it. */
export const documentEvent = z.object({
  type: z.enum(['document.completed', 'document.failed']),
  timestamp: z.string(),
  data: documentResult.extend({ batchId: z.string() }),
});
export type DocumentEvent = z.infer<typeof documentEvent>;

/** A job on the `webhooks` queue: one event to one URL; its id is the `webhook-id`. */
export const webhookJobData = z.object({
  deliveryId: z.string().startsWith('msg_'),
  tenant: z.string(),
  batchId: z.string(),
  url: z.string(),
  body: z.string(),
});
export type WebhookJobData = z.infer<typeof webhookJobData>;
