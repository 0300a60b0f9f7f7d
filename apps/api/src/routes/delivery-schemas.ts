import type { DeliveryAttempt } from '@nightshift/webhooks';
import { z } from 'zod';
import { batchExample } from '../openapi/responses.ts';

/*
 * The delivery log's answers as schemas, for the document of the delivery routes. The log keeps
 * its records as TypeScript interfaces (`@nightshift/batches`); `satisfies` holds the two alike.
 */

/** A `DeliveryAttempt` of `@nightshift/batches` as a schema, kept in step by `satisfies`. */
export const deliveryAttempt = z.strictObject({
  at: z.string().describe('When the attempt ended (ISO 8601).'),
  url: z.string(),
  status: z.number().int().nullable().describe('HTTP status; null when nothing answered.'),
  durationMs: z.number(),
  error: z.string().nullable().describe('Why it failed (`timeout after 15000 ms`, `http_500`…).'),
  response: z.string().nullable().describe('The first bytes of the receiver’s answer.'),
}) satisfies z.ZodType<DeliveryAttempt>;

/** The API's view of a delivery: everything but the owner, which the caller already is. */
export const deliverySchema = z
  .strictObject({
    id: z.string().describe('The `webhook-id`, `msg_…`: the same on every attempt and replay.'),
    object: z.literal('delivery'),
    batchId: z.string(),
    eventType: z.string().describe('`batch.completed`, `document.failed`, …'),
    url: z.string(),
    state: z.enum(['pending', 'delivered', 'failed', 'gone']),
    createdAt: z.string(),
    updatedAt: z.string(),
    attempts: z.array(deliveryAttempt).describe('Every attempt, oldest first, replays included.'),
  })
  .meta({ id: 'Delivery' });

/** An example delivery: one failed attempt, then a success. */
export const deliveryExample = {
  id: 'msg_01jd8q3zj5w2n9x4k7m6p1r0st',
  object: 'delivery',
  batchId: batchExample.id,
  eventType: 'batch.completed',
  url: 'https://hooks.example.com/nightshift',
  state: 'delivered',
  createdAt: '2025-01-15T22:41:00.000Z',
  updatedAt: '2025-01-15T22:41:31.250Z',
  attempts: [
    {
      at: '2025-01-15T22:41:00.180Z',
      url: 'https://hooks.example.com/nightshift',
      status: 503,
      durationMs: 180,
      error: 'http_503',
      response: 'upstream busy',
    },
    {
      at: '2025-01-15T22:41:31.250Z',
      url: 'https://hooks.example.com/nightshift',
      status: 200,
      durationMs: 250,
      error: null,
      response: 'ok',
    },
  ],
};
