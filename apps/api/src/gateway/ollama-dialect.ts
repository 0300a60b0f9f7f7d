import { publicGatewayError } from '@nightshift/gateway';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import type { RefusalRenderer } from '../problem.ts';

/** Guards' refusals as Ollama errors: `{error: "…"}`. */
export const ollamaRefusal: RefusalRenderer = (c, r) =>
  c.json({ error: r.detail }, r.status, r.headers);

/** Answers any failure of a gateway call as an Ollama error. */
export function ollamaFailure(c: Context, failure: unknown): Response {
  const error = publicGatewayError(failure);
  const headers: Record<string, string> = error.retryAfterS
    ? { 'retry-after': String(error.retryAfterS) }
    : {};
  return c.json({ error: error.message }, error.status as ContentfulStatusCode, headers);
}

/** A failed body check as Ollama's 400. */
export function ollamaInvalidBody(c: Context, issues: z.core.$ZodIssue[]): Response {
  const issue = issues[0];
  const field = issue?.path.join('.') || 'body';
  return c.json({ error: issue ? `${field}: ${issue.message}` : 'invalid request body' }, 400);
}

/** A stream's failure after it started: one `{"error"}` line, as Ollama sends it. */
export function ollamaStreamFailure(failure: unknown): string {
  return `${JSON.stringify({ error: publicGatewayError(failure).message })}\n`;
}
