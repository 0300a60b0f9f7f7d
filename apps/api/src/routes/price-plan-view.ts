import type { StoredPlan } from '@nightshift/price-windows';
import { z } from 'zod';

/** Hours of the plan shown: the coming day. */
const shownHours = 24;

/** The price plan as `GET /v1/workers` and the dashboard show it (issue 28). */
export const pricePlanSchema = z
  .object({
    computedAt: z.string(),
    source: z.string().describe('The price source, without its token.'),
    unit: z.string().describe('`EUR/MWh`, `gCO2eq/kWh`, … as the source states it.'),
    limits: z.string().describe('`NIGHTSHIFT_COLD_WINDOWS`: the hours cold work may ever run.'),
    timeZone: z.string(),
    throughput: z.object({
      documentsPerS: z.number(),
      measured: z.boolean().describe('False: the default, the cold lane has not run lately.'),
      models: z
        .record(z.string(), z.number())
        .optional()
        .describe(
          "Documents per second per model of the queued batches, from GPU accounting: each server's busy time per document of the model, over its servers. A model missing here is planned at `documentsPerS`.",
        ),
    }),
    threshold: z.number().nullable().describe('The dearest price the plan opens at.'),
    hours: z
      .array(
        z.object({
          start: z.string(),
          price: z.number().nullable(),
          open: z.boolean(),
          reason: z
            .enum(['needed', 'cheapest', 'skipped', 'limit'])
            .describe(
              '`cheapest`: among the cheapest hours that hold all queued work; `needed`: added so `batchId` finishes by `due`; `skipped`: not needed; `limit`: outside the allowed hours.',
            ),
          batchId: z.string().optional(),
          due: z.string().optional(),
        }),
      )
      .describe('The coming 24 hours, from the current one.'),
    atRisk: z
      .array(
        z.object({
          batchId: z.string(),
          model: z.string(),
          expiresAt: z.string(),
          remaining: z.number().int(),
          shortDocuments: z
            .number()
            .int()
            .describe(
              'Documents the allowed hours before `expiresAt` cannot hold at the measured pace.',
            ),
        }),
      )
      .describe('Batches that will miss their completion window: too few allowed hours.'),
  })
  .meta({ id: 'PricePlan' });

/** A plan as shown; see {@link pricePlanSchema}. */
export type PricePlanView = z.infer<typeof pricePlanSchema>;

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The stored plan as shown: instants as ISO strings, the hours from the current one for a day.
 *
 * @example
 * pricePlanView(await priceStore.plan(), new Date());
 */
export function pricePlanView(plan: StoredPlan | null, now: Date): PricePlanView | null {
  if (!plan) return null;
  const from = Math.floor(now.getTime() / 3_600_000) * 3_600_000;
  return {
    computedAt: iso(plan.computedAt),
    source: plan.source,
    unit: plan.unit,
    limits: plan.limits,
    timeZone: plan.timeZone,
    throughput: plan.throughput,
    threshold: plan.threshold,
    hours: plan.hours
      .filter((h) => h.start >= from)
      .slice(0, shownHours)
      .map((h) => ({
        start: iso(h.start),
        price: h.price,
        open: h.open,
        reason: h.reason,
        ...(h.batchId ? { batchId: h.batchId } : {}),
        ...(h.due !== undefined ? { due: iso(h.due) } : {}),
      })),
    atRisk: plan.atRisk.map((r) => ({
      batchId: r.batchId,
      model: r.model,
      expiresAt: iso(r.deadline),
      remaining: r.remaining,
      shortDocuments: r.shortDocuments,
    })),
  };
}
