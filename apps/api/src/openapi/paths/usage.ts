import { usageQuery, usageReport } from '@nightshift/metrics';
import { type Components, problemResponses, unauthorized } from '../components.ts';
import type { SpecBuilder } from '../spec-builder.ts';

/** `GET /v1/usage`: the calling tenant's documents and tokens per day or month. */
export function registerUsagePaths(spec: SpecBuilder, c: Components): void {
  const example = {
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
        promptTokens: 0,
        completionTokens: 0,
        models: [],
      },
      {
        period: '2025-01-15',
        documents: 3,
        failedDocuments: 1,
        promptTokens: 5120,
        completionTokens: 300,
        models: [
          { model: 'qwen2:7b', documents: 1, promptTokens: 1000, completionTokens: 80 },
          { model: 'qwen3:32b', documents: 1, promptTokens: 4120, completionTokens: 220 },
        ],
      },
    ],
    totals: {
      documents: 3,
      failedDocuments: 1,
      promptTokens: 5120,
      completionTokens: 300,
      models: [
        { model: 'qwen2:7b', documents: 1, promptTokens: 1000, completionTokens: 80 },
        { model: 'qwen3:32b', documents: 1, promptTokens: 4120, completionTokens: 220 },
      ],
    },
  };
  spec.registry.registerPath({
    method: 'get',
    path: '/v1/usage',
    tags: ['usage'],
    summary: 'Usage of the calling tenant per UTC day or month',
    description:
      'Documents finished (hot and cold lanes) and prompt/completion tokens per model. `from`..`to` inclusive, at most 366 days; `to` defaults to today. A tenant only ever sees its own usage.',
    security: [{ bearer: [] }],
    request: { query: usageQuery },
    responses: {
      200: {
        description: 'Every period of the range, empty ones included, and the totals.',
        content: spec.media('GET /v1/usage', 200, {
          'application/json': {
            schema: c.UsageReport,
            exampleSchema: usageReport,
            examples: { day: { value: example } },
          },
        }),
      },
      ...problemResponses(spec, c, 'GET /v1/usage', {
        ...unauthorized,
        422: {
          description: 'Bad dates or a range over 366 days.',
          slug: 'validation-error',
          detail: 'from: a UTC day, YYYY-MM-DD',
        },
      }),
    },
  });
}
