import { createRoute } from '@hono/zod-openapi';
import {
  daysBetween,
  type UsageLedger,
  usageQuery,
  usageReport,
  utcDay,
} from '@nightshift/metrics';
import { z } from 'zod';
import type { TenantVariables } from '../middleware/tenant-auth.ts';
import { apiRouter, serveRoute, validQuery } from '../openapi/api-router.ts';
import {
  bearerSecurity,
  invalid,
  jsonResponse,
  problemResponses,
  unauthorized,
} from '../openapi/responses.ts';
import { ProblemError } from '../problem.ts';

/** Options of {@link usageRoutes}. */
export interface UsageRoutesOptions {
  ledger: UsageLedger;
  /** Clock for the default `to` (today, UTC); injectable for tests. */
  now?: () => Date;
  /** What the tenant's `/openai/v1` files take now, and its quota; absent: no `storage` field. */
  storage?: (tenant: string) => Promise<z.output<typeof storageUsage>>;
}

const storageUsage = z
  .object({
    bytes: z.number().int().describe('Bytes of files held now, uploads in progress included.'),
    files: z.number().int().describe('Files held now, uploads in progress included.'),
    maxBytes: z.number().int().describe('The tenant’s quota of bytes (413 beyond).'),
    maxFiles: z.number().int().describe('The tenant’s quota of files (413 beyond).'),
  })
  .meta({ id: 'StorageUsage' });
const usageAnswer = usageReport
  .extend({
    storage: storageUsage
      .optional()
      .describe('`/openai/v1` files: what they take now and the quota (not per period).'),
  })
  .meta({ id: 'UsageReport' });

const usageExample = {
  object: 'usage',
  tenant: 'acme',
  from: '2025-01-14',
  to: '2025-01-15',
  granularity: 'day',
  data: [
    {
      period: '2025-01-14',
      documents: 0,
      failedDocuments: 0,
      requests: 0,
      failedRequests: 0,
      promptTokens: 0,
      completionTokens: 0,
      gpuSeconds: 0,
      energyWh: null,
      models: [],
    },
    {
      period: '2025-01-15',
      documents: 3,
      failedDocuments: 1,
      requests: 4,
      failedRequests: 0,
      promptTokens: 5400,
      completionTokens: 300,
      gpuSeconds: 12.8,
      energyWh: 1.33,
      models: [
        {
          model: 'qwen2:7b',
          documents: 1,
          requests: 4,
          promptTokens: 1280,
          completionTokens: 80,
          gpuSeconds: 3.2,
          energyWh: 0.31,
        },
        {
          model: 'qwen3:32b',
          documents: 1,
          requests: 0,
          promptTokens: 4120,
          completionTokens: 220,
          gpuSeconds: 9.6,
          energyWh: 1.02,
        },
      ],
    },
  ],
  totals: {
    documents: 3,
    failedDocuments: 1,
    requests: 4,
    failedRequests: 0,
    promptTokens: 5400,
    completionTokens: 300,
    gpuSeconds: 12.8,
    energyWh: 1.33,
    models: [
      {
        model: 'qwen2:7b',
        documents: 1,
        requests: 4,
        promptTokens: 1280,
        completionTokens: 80,
        gpuSeconds: 3.2,
        energyWh: 0.31,
      },
      {
        model: 'qwen3:32b',
        documents: 1,
        requests: 0,
        promptTokens: 4120,
        completionTokens: 220,
        gpuSeconds: 9.6,
        energyWh: 1.02,
      },
    ],
  },
  storage: { bytes: 1_048_576, files: 2, maxBytes: 1_073_741_824, maxFiles: 1000 },
};

const usageRoute = createRoute({
  method: 'get',
  path: '/',
  tags: ['usage'],
  summary: 'Usage of the calling tenant per UTC day or month',
  description:
    'Documents finished (hot and cold lanes), prompt/completion tokens, GPU seconds and energy (Wh) per model. `from`..`to` inclusive, at most 366 days; `to` defaults to today. A tenant only ever sees its own usage.',
  security: bearerSecurity,
  request: { query: usageQuery },
  responses: {
    200: jsonResponse(
      'Every period of the range, empty ones included, and the totals.',
      usageAnswer,
      { day: { value: usageExample } },
    ),
    ...problemResponses({
      ...unauthorized,
      ...invalid('Bad dates or a range over 366 days.', 'from: a UTC day, YYYY-MM-DD'),
    }),
  },
});

/**
 * `GET /v1/usage?from=YYYY-MM-DD&to=YYYY-MM-DD&granularity=day|month`: the calling tenant's
 * finished documents and tokens per model and period. The tenant comes from the bearer key,
 * never from the query: a tenant sees only its own usage.
 *
 * @example
 * app.route('/v1/usage', usageRoutes({ ledger: new UsageLedger({ redis }) }));
 */
export function usageRoutes(options: UsageRoutesOptions) {
  const now = options.now ?? (() => new Date());
  const app = apiRouter<{ Variables: TenantVariables }>();
  serveRoute(app, usageRoute, async (c) => {
    const query = { data: validQuery<z.output<typeof usageQuery>>(c) };
    const from = query.data.from;
    const to = query.data.to ?? utcDay(now());
    try {
      daysBetween(from, to);
    } catch (error) {
      const message = (error as Error).message;
      // A defaulted `to` is not the client's mistake: a `from` in the future is.
      const field = query.data.to === undefined ? 'from' : 'to';
      throw new ProblemError(422, 'validation-error', `${field}: ${message}`, {
        errors: [{ field, message }],
      });
    }
    const tenant = c.get('tenant');
    const [report, storage] = await Promise.all([
      options.ledger.report({ tenant, from, to, granularity: query.data.granularity }),
      options.storage?.(tenant),
    ]);
    return c.json(storage ? { ...report, storage } : report);
  });
  return app;
}
