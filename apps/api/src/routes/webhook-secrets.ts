import type { WebhookSecretStore } from '@nightshift/batches';
import { durationMs } from '@nightshift/core';
import { Hono } from 'hono';
import { z } from 'zod';
import type { TenantVariables } from '../middleware/tenant-auth.ts';
import { ProblemError, validationProblem } from '../problem.ts';

/** Options of {@link webhookSecretRoutes}. */
export interface WebhookSecretRoutesOptions {
  secrets: WebhookSecretStore;
}

const MAX_OVERLAP_MS = 30 * 86_400_000;

const rotateBody = z
  .object({
    /** How long the old secret keeps signing, e.g. `24h` (the default), `0s` to stop at once. */
    overlap: z
      .string()
      .refine((v) => /^\d+(ms|s|m|h|d)$/.test(v.trim()), 'a duration such as 30m, 24h, 7d')
      .refine((v) => !/^\d+(ms|s|m|h|d)$/.test(v.trim()) || durationMs(v) <= MAX_OVERLAP_MS, {
        message: 'at most 30d',
      })
      .optional(),
  })
  .strict();

/**
 * The tenant's webhook signing secret, mounted at `/v1/webhook-secret`: `GET` shows metadata
 * (prefix, fingerprint, overlap end; never a secret in full), `POST /rotate` makes a new one
 * and returns it once. During the overlap both secrets sign every attempt.
 *
 * @example
 * app.route('/v1/webhook-secret', webhookSecretRoutes({ secrets }));
 */
export function webhookSecretRoutes(options: WebhookSecretRoutesOptions) {
  const app = new Hono<{ Variables: TenantVariables }>();

  app.get('/', async (c) => {
    const info = await options.secrets.describe(c.get('tenant'));
    return c.json({ object: 'webhook_secret', ...info });
  });

  app.post('/rotate', async (c) => {
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
