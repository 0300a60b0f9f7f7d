import { createRoute } from '@hono/zod-openapi';
import { durationMs } from '@nightshift/core';
import type { RotatedSecret, WebhookSecretInfo, WebhookSecretStore } from '@nightshift/webhooks';
import { z } from 'zod';
import type { TenantVariables } from '../middleware/tenant-auth.ts';
import { apiRouter, serveRoute } from '../openapi/api-router.ts';
import {
  bearerSecurity,
  invalid,
  jsonBody,
  jsonResponse,
  malformedJson,
  problemResponses,
  unauthorized,
} from '../openapi/responses.ts';
import { ProblemError, validationProblem } from '../problem.ts';

/** Options of {@link webhookSecretRoutes}. */
export interface WebhookSecretRoutesOptions {
  secrets: WebhookSecretStore;
}

const MAX_OVERLAP_MS = 30 * 86_400_000;

const rotateBody = z
  .object({
    overlap: z
      .string()
      .refine((v) => /^\d+(ms|s|m|h|d)$/.test(v.trim()), 'a duration such as 30m, 24h, 7d')
      .refine((v) => !/^\d+(ms|s|m|h|d)$/.test(v.trim()) || durationMs(v) <= MAX_OVERLAP_MS, {
        message: 'at most 30d',
      })
      .optional()
      .describe(
        'How long the old secret keeps signing, e.g. `24h` (the default), `0s` to stop at once.',
      ),
  })
  .strict();

/** `WebhookSecretInfo` of `@nightshift/batches` as the API shows it; `satisfies` keeps them alike. */
const secretInfo = z.strictObject({
  object: z.literal('webhook_secret'),
  source: z.enum(['default', 'tenant']).describe('`default` until the tenant first rotates.'),
  configured: z.boolean().describe('False when there is no secret to sign with.'),
  prefix: z.string().nullable().describe('The current secret’s first characters.'),
  fingerprint: z
    .string()
    .nullable()
    .describe('First 16 hex digits of SHA-256 of the current secret.'),
  createdAt: z.string().nullable(),
  previous: z
    .object({ prefix: z.string(), fingerprint: z.string(), expiresAt: z.string() })
    .nullable()
    .describe('The replaced secret, still signing until `expiresAt`; null outside an overlap.'),
}) satisfies z.ZodType<WebhookSecretInfo & { object: 'webhook_secret' }>;

/** `RotatedSecret`: the one answer that shows a secret. */
const rotatedSecret = z.strictObject({
  object: z.literal('webhook_secret'),
  secret: z.string().describe('The new `whsec_…` secret.'),
  createdAt: z.string(),
  previousExpiresAt: z.string().describe('Until when the old secret signs too.'),
}) satisfies z.ZodType<RotatedSecret & { object: 'webhook_secret' }>;

const describeSecret = createRoute({
  method: 'get',
  path: '/',
  tags: ['webhooks'],
  security: bearerSecurity,
  summary: 'This tenant’s webhook signing secret(s): metadata, never the secret',
  responses: {
    200: jsonResponse('The current secret and any still-signing old one.', secretInfo, {
      rotated: {
        value: {
          object: 'webhook_secret',
          source: 'tenant',
          configured: true,
          prefix: 'whsec_AbCd',
          fingerprint: '3f9a0c61d2e84b57',
          createdAt: '2025-01-15T09:00:00.000Z',
          previous: {
            prefix: 'whsec_XyZw',
            fingerprint: '8c1de09b77a34f20',
            expiresAt: '2025-01-16T09:00:00.000Z',
          },
        },
      },
    }),
    ...problemResponses(unauthorized),
  },
});

const rotateSecret = createRoute({
  method: 'post',
  path: '/rotate',
  tags: ['webhooks'],
  security: bearerSecurity,
  summary: 'Rotate the signing secret; the old one keeps signing during the overlap',
  request: { body: jsonBody(rotateBody, { day: { value: { overlap: '24h' } } }, false) },
  responses: {
    200: {
      ...jsonResponse(
        'The new secret (shown this once) and the end of the overlap.',
        rotatedSecret,
        {
          rotated: {
            value: {
              object: 'webhook_secret',
              secret: 'whsec_MfKQ9r4GKSsz8y1F3SPZmTUHd5NGJz2v8Q9eSP3ugsM=',
              createdAt: '2025-01-15T09:00:00.000Z',
              previousExpiresAt: '2025-01-16T09:00:00.000Z',
            },
          },
        },
      ),
      headers: { 'Cache-Control': { description: '`no-store`', schema: { type: 'string' } } },
    },
    ...problemResponses({
      ...unauthorized,
      ...malformedJson,
      ...invalid('A bad `overlap`, or an unknown field.', 'overlap: at most 30d'),
    }),
  },
});

/**
 * The tenant's webhook signing secret, mounted at `/v1/webhook-secret`: `GET` shows metadata
 * (prefix, fingerprint, overlap end; never a secret in full), `POST /rotate` makes a new one
 * and returns it once. During the overlap both secrets sign every attempt.
 *
 * @example
 * app.route('/v1/webhook-secret', webhookSecretRoutes({ secrets }));
 */
export function webhookSecretRoutes(options: WebhookSecretRoutesOptions) {
  const app = apiRouter<{ Variables: TenantVariables }>();

  serveRoute(app, describeSecret, async (c) => {
    const info = await options.secrets.describe(c.get('tenant'));
    return c.json({ object: 'webhook_secret', ...info });
  });

  serveRoute(app, rotateSecret, async (c) => {
    const text = await c.req.text();
    let body: unknown = {};
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        throw new ProblemError(400, 'malformed-json', 'The body is not valid JSON.');
      }
    }
    const parsed = rotateBody.safeParse(body);
    if (!parsed.success) throw validationProblem(parsed.error);
    const overlap = parsed.data.overlap;
    const rotated = await options.secrets.rotate(
      c.get('tenant'),
      overlap === undefined ? {} : { overlapMs: durationMs(overlap) },
    );
    // The one response that carries a secret: keep it out of every cache.
    c.header('cache-control', 'no-store');
    return c.json({ object: 'webhook_secret', ...rotated });
  });

  return app;
}
