import {
  batchObject,
  createBatchBody,
  createSummaryBody,
  documentResult,
  summaryResponse,
} from '@nightshift/core';
import { usageReport } from '@nightshift/metrics';
import { z } from 'zod';
import { problemTitles } from '../problem.ts';
import type { SpecBuilder } from './spec-builder.ts';

/** RFC 9457 body of every error answer (see `src/problem.ts`). */
export const problemSchema = z
  .object({
    type: z
      .string()
      .describe('URI reference naming the problem, e.g. `/problems/batch-not-found`.'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .describe('Validation problems: each failing field and why.'),
  })
  .catchall(z.unknown());

/** Example batch object, reused by several answers. */
export const batchExample = {
  id: 'batch_01JD8Q3ZJ5W2N9X4K7M6P1R0ST',
  object: 'batch',
  status: 'running',
  counts: { total: 2, queued: 1, running: 1, succeeded: 0, failed: 0, cancelled: 0, expired: 0 },
  model: 'qwen3:32b',
  summary: { maxWords: 120, style: 'paragraph' },
  usage: { promptTokens: 1840, completionTokens: 0 },
  metadata: { team: 'legal' },
  webhook: { url: 'https://hooks.example.com/nightshift', events: [] },
  completionWindow: '24h',
  scheduleId: null,
  createdAt: '2025-01-15T21:58:03.120Z',
  startedAt: '2025-01-15T22:00:01.004Z',
  completedAt: null,
  cancelledAt: null,
  expiresAt: '2025-01-16T21:58:03.120Z',
};

/** The registered (named, `$ref`-able) schemas the path modules use. */
export interface Components {
  Problem: z.ZodType;
  Batch: z.ZodType;
  BatchList: z.ZodType;
  CreateBatch: z.ZodType;
  DocumentResult: z.ZodType;
  CreateSummary: z.ZodType;
  Summary: z.ZodType;
  UsageReport: z.ZodType;
}

/** Registers the shared schemas and the bearer scheme; returns the registered schemas. */
export function registerComponents(spec: SpecBuilder): Components {
  const { registry } = spec;
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description:
      'A tenant key (`NIGHTSHIFT_API_KEYS` or the admin API): `Authorization: Bearer <key>`.',
  });
  const Batch = spec.register('Batch', batchObject);
  return {
    Problem: spec.register('Problem', problemSchema),
    Batch,
    BatchList: spec.register(
      'BatchList',
      z.object({
        object: z.literal('list'),
        data: z.array(Batch),
        hasMore: z.boolean(),
        lastId: z.string().nullable().describe('Pass as `after` to get the next page.'),
      }),
    ),
    CreateBatch: spec.register('CreateBatch', createBatchBody),
    DocumentResult: spec.register('DocumentResult', documentResult),
    CreateSummary: spec.register('CreateSummary', createSummaryBody),
    Summary: spec.register('Summary', summaryResponse),
    UsageReport: spec.register('UsageReport', usageReport),
  };
}

const retryAfter = {
  'Retry-After': {
    description: 'Seconds to wait before trying again.',
    schema: { type: 'integer' as const, minimum: 1 },
  },
};

const rateLimitHeaders = {
  ...retryAfter,
  'RateLimit-Limit': {
    description: 'Burst size of the limit.',
    schema: { type: 'integer' as const },
  },
  'RateLimit-Remaining': {
    description: 'Requests left now.',
    schema: { type: 'integer' as const },
  },
  'RateLimit-Reset': {
    description: 'Seconds until the bucket is full again.',
    schema: { type: 'integer' as const },
  },
  'RateLimit-Policy': { description: 'e.g. `3;w=15`.', schema: { type: 'string' as const } },
};

/**
 * problem+json answers for the given statuses, each with one example; 429 and 503 describe
 * `Retry-After` (and 429 the `RateLimit-*` headers).
 */
export function problemResponses(
  spec: SpecBuilder,
  c: Components,
  where: string,
  statuses: Record<number, { description: string; slug: string; detail: string }>,
) {
  const out: Record<number, object> = {};
  for (const [key, info] of Object.entries(statuses)) {
    const status = Number(key);
    out[status] = {
      description: info.description,
      ...(status === 429
        ? { headers: rateLimitHeaders }
        : status === 503
          ? { headers: retryAfter }
          : {}),
      content: spec.media(where, status, {
        'application/problem+json': {
          schema: c.Problem,
          examples: {
            [info.slug]: {
              value: {
                type: `/problems/${info.slug}`,
                title: problemTitles[status] ?? 'Error',
                status,
                detail: info.detail,
              },
            },
          },
        },
      }),
    };
  }
  return out;
}

/** The 401 every `/v1` route can answer. */
export const unauthorized = {
  401: {
    description: 'Missing or unknown bearer key.',
    slug: 'unauthorized',
    detail: 'Send Authorization: Bearer <key>.',
  },
};
