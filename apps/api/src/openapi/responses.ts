import { batchObject, idSchemas } from '@nightshift/core';
import { z } from 'zod';
import { problemTitles } from '../problem.ts';

/*
 * Response pieces shared by the route files: the problem document, the bearer scheme, the
 * batch object. Named schemas carry `meta({ id })`, which the generator turns into
 * `#/components/schemas/<id>` references.
 */

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
  .catchall(z.unknown())
  .meta({ id: 'Problem' });

/** The batch object (`@nightshift/core`'s `batchObject`), as a named component. */
export const batchSchema = batchObject.meta({ id: 'Batch' });

/** Every `/v1` route takes a tenant key. */
export const bearerSecurity = [{ bearer: [] }];

/** The `bearer` security scheme the routes name; registered once on the root app. */
export const bearerScheme = {
  type: 'http' as const,
  scheme: 'bearer',
  description:
    'A tenant key (`NIGHTSHIFT_API_KEYS` or the admin API): `Authorization: Bearer <key>`.',
};

/** `GET /metrics` takes the scraper's token, not a tenant key. */
export const metricsSecurity = [{ metricsToken: [] }];

/** The `metricsToken` security scheme; registered once on the root app. */
export const metricsTokenScheme = {
  type: 'http' as const,
  scheme: 'bearer',
  description:
    "The scraper's token (`NIGHTSHIFT_METRICS_TOKEN`): `Authorization: Bearer <token>`. Unset, `/metrics` refuses everyone.",
};

/** Example batch object, reused by several answers. */
export const batchExample = {
  id: 'batch_01jd8q3zj5w2n9x4k7m6p1r0st',
  object: 'batch',
  status: 'running',
  counts: { total: 2, queued: 1, running: 1, succeeded: 0, failed: 0, cancelled: 0, expired: 0 },
  model: 'qwen3:32b',
  summary: { maxWords: 120, style: 'paragraph' },
  usage: { promptTokens: 1840, completionTokens: 0, gpuSeconds: 4.21, energyWh: 0.52 },
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

/** Named examples of a media type: `{ name: { summary?, value } }`. */
export type Examples = Record<string, { summary?: string; value: unknown }>;

/**
 * A response whose body is JSON of `schema`, with optional named examples.
 *
 * @example
 * responses: { 200: jsonResponse('The batch.', batchSchema, { batch: { value: batchExample } }) }
 */
export function jsonResponse(description: string, schema: z.ZodType, examples?: Examples) {
  return {
    description,
    content: { 'application/json': { schema, ...(examples ? { examples } : {}) } },
  };
}

/**
 * A required JSON request body of `schema` (the handler validates with the same schema).
 *
 * @example
 * request: { body: jsonBody(createScheduleBody, { nightly: { value: {...} } }) }
 */
export function jsonBody(schema: z.ZodType, examples?: Examples, required = true) {
  return {
    required,
    content: { 'application/json': { schema, ...(examples ? { examples } : {}) } },
  };
}

const integerHeader = (description: string) => ({
  description,
  schema: { type: 'integer' as const },
});

const retryAfter = {
  'Retry-After': {
    description: 'Seconds to wait before trying again.',
    schema: { type: 'integer' as const, minimum: 1 },
  },
};

const rateLimitHeaders = {
  ...retryAfter,
  'RateLimit-Limit': integerHeader('Burst size of the limit.'),
  'RateLimit-Remaining': integerHeader('Requests left now.'),
  'RateLimit-Reset': integerHeader('Seconds until the bucket is full again.'),
  'RateLimit-Policy': { description: 'e.g. `3;w=15`.', schema: { type: 'string' as const } },
};

/** One error answer: what it means, its problem slug and an example detail. */
export interface ProblemInfo {
  description: string;
  slug: string;
  detail: string;
}

/**
 * problem+json answers for the given statuses, each with one example; 429 and 503 describe
 * `Retry-After` (and 429 the `RateLimit-*` headers).
 *
 * @example
 * responses: { 200: ..., ...problemResponses({ ...unauthorized, ...batchNotFound }) }
 */
export function problemResponses(statuses: Record<number, ProblemInfo>) {
  const out: Record<
    number,
    {
      description: string;
      headers?: Record<string, unknown>;
      content: Record<string, { schema: z.ZodType; examples: Examples }>;
    }
  > = {};
  for (const [key, info] of Object.entries(statuses)) {
    const status = Number(key);
    const headers =
      status === 429
        ? info.slug === 'rate-limited'
          ? rateLimitHeaders
          : retryAfter
        : status === 503
          ? retryAfter
          : undefined;
    out[status] = {
      description: info.description,
      ...(headers ? { headers } : {}),
      content: {
        'application/problem+json': {
          schema: problemSchema,
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
      },
    };
  }
  return out;
}

/** The 429 of every route that takes a key, once its caller's address sent too many wrong ones. */
export const tooManyWrongKeys: Record<number, ProblemInfo> = {
  429: {
    description:
      'Over `NIGHTSHIFT_AUTH_FAILURES_PER_MIN` wrong keys from this address: every key it sends, right or wrong, is refused until `Retry-After`.',
    slug: 'too-many-failed-authentications',
    detail: 'Too many wrong API keys from this address; retry in 12 s.',
  },
};

/** The 401 every `/v1` route can answer, and its 429 when an address guesses keys. */
export const unauthorized: Record<number, ProblemInfo> = {
  401: {
    description: 'Missing or unknown bearer key.',
    slug: 'unauthorized',
    detail: 'Send Authorization: Bearer <key>.',
  },
  ...tooManyWrongKeys,
};

/** A 422 naming each failing field. */
export const invalid = (description: string, detail: string): Record<number, ProblemInfo> => ({
  422: { description, slug: 'validation-error', detail },
});

/** A 400 for a body that is not JSON. */
export const malformedJson: Record<number, ProblemInfo> = {
  400: {
    description: 'The body is not valid JSON.',
    slug: 'malformed-json',
    detail: 'The body is not valid JSON.',
  },
};

/** A 413 for a body over `NIGHTSHIFT_MAX_BODY_BYTES`. */
export const bodyTooLarge: Record<number, ProblemInfo> = {
  413: {
    description: 'Body over `NIGHTSHIFT_MAX_BODY_BYTES`.',
    slug: 'body-too-large',
    detail: 'The request body is over 52428800 bytes.',
  },
};

/** The `{id}` path parameter of a route: the id's format, documented. */
export function idParams(format: z.ZodString, description: string, example: string) {
  return z.object({ id: format.meta({ description, example }) });
}

/** The 404 of a route whose `{id}` names nothing of this tenant's (another tenant's: 404 too). */
export function notFoundFor(what: string, exampleId: string): Record<number, ProblemInfo> {
  return {
    404: {
      description: `No such ${what} for this key (another tenant’s also answers 404).`,
      slug: `${what}-not-found`,
      detail: `No ${what} '${exampleId}' for this API key.`,
    },
  };
}

/** The `{id}` path parameter of every `/v1/batches/{id}…` route. */
export const batchIdParams = idParams(idSchemas.batch, 'A batch id, `batch_…`.', batchExample.id);

/** The 404 of every `/v1/batches/{id}…` route. */
export const batchNotFound = notFoundFor('batch', batchExample.id);
