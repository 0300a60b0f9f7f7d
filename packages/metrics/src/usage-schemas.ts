import { z } from 'zod';

/**
 * Whether `YYYY-MM-DD` names a day that exists. `Date.parse` rolls `2026-02-30` over into
 * March instead of refusing it, so the parsed day must print back as the same text.
 */
export function isCalendarDay(text: string): boolean {
  const at = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(at) && new Date(at).toISOString().slice(0, 10) === text;
}

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a UTC day, YYYY-MM-DD')
  .refine(isCalendarDay, 'not a day of the calendar (YYYY-MM-DD)');

/** Query of `GET /v1/usage`: UTC days `from`..`to` inclusive; `to` defaults to today. */
export const usageQuery = z.object({
  from: day,
  to: day.optional(),
  granularity: z.enum(['day', 'month']).default('day'),
});
export type UsageQueryParams = z.infer<typeof usageQuery>;

/** One model's share of a period. */
export const usageByModel = z.object({
  model: z.string(),
  /** Documents this model answered. */
  documents: z.number().int().nonnegative(),
  /** Interactive calls this model answered through the gateway (`/openai/v1`, `/ollama`). */
  requests: z.number().int().nonnegative(),
  promptTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative(),
  /** This model's share of its servers' busy time, seconds (see the README's "Accounting"). */
  gpuSeconds: z.number().nonnegative(),
  /** Energy of that share, Wh; null when none of its servers reports energy. */
  energyWh: z.number().nonnegative().nullable(),
});

/** One day (`YYYY-MM-DD`) or month (`YYYY-MM`) of a tenant's usage. */
export const usagePeriod = z.object({
  period: z.string(),
  /** Documents that finished (succeeded or failed), hot and cold lanes together. */
  documents: z.number().int().nonnegative(),
  failedDocuments: z.number().int().nonnegative(),
  /** Interactive calls through the gateway (`/openai/v1`, `/ollama`) that ended. */
  requests: z.number().int().nonnegative(),
  /** Of those, the ones that failed after they started. */
  failedRequests: z.number().int().nonnegative(),
  promptTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative(),
  /**
   * GPU seconds charged to the tenant: each model call's share of its server's busy time, hot
   * and cold lanes together. Idle time is nobody's.
   */
  gpuSeconds: z.number().nonnegative(),
  /** Energy of those GPU seconds, Wh (the GPUs' own counters); null when no server reports energy. */
  energyWh: z.number().nonnegative().nullable(),
  models: z.array(usageByModel),
});
export type UsagePeriod = z.infer<typeof usagePeriod>;

/** Answer of `GET /v1/usage`. */
export const usageReport = z.object({
  object: z.literal('usage'),
  tenant: z.string(),
  from: z.string(),
  to: z.string(),
  granularity: z.enum(['day', 'month']),
  data: z.array(usagePeriod),
  totals: usagePeriod.omit({ period: true }),
});
export type UsageReport = z.infer<typeof usageReport>;
