/**
 * Errors as Anthropic's clients read them: `{"type":"error","error":{"type","message"}}`, with
 * Anthropic's statuses and types, and `event: error` once a stream has started.
 */
import { type GatewayError, publicGatewayError } from '@nightshift/gateway';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import type { RefusalRenderer } from '../problem.ts';

/** Anthropic's error body. */
export function anthropicErrorBody(type: string, message: string) {
  return { type: 'error' as const, error: { type, message } };
}

/**
 * The status Anthropic answers for a gateway status: "no room now" (503: the hot lane or every
 * slot full, GPU memory over the threshold, no server up) is Anthropic's 529 `overloaded_error`,
 * which its clients retry after a pause.
 */
export const anthropicStatus = (status: number) => (status === 503 ? 529 : status);

/** Anthropic's error type for a status. */
export function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 503:
    case 529:
      return 'overloaded_error';
    case 504:
      return 'timeout_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

/** Guards' refusals (bad key, rate limit, body too large) as Anthropic errors. */
export const anthropicRefusal: RefusalRenderer = (c, r) =>
  c.json(
    anthropicErrorBody(anthropicErrorType(r.status), r.detail),
    anthropicStatus(r.status) as ContentfulStatusCode,
    r.headers,
  );

/** A gateway error's body in Anthropic's shape (also the data of a failed stream's event). */
export function anthropicGatewayErrorBody(error: GatewayError) {
  return anthropicErrorBody(anthropicErrorType(error.status), error.message);
}

/** Answers any failure of a gateway call as an Anthropic error, without addresses. */
export function anthropicFailure(c: Context, failure: unknown): Response {
  const error = publicGatewayError(failure);
  const headers: Record<string, string> = error.retryAfterS
    ? { 'retry-after': String(error.retryAfterS) }
    : {};
  return c.json(
    anthropicGatewayErrorBody(error),
    anthropicStatus(error.status) as ContentfulStatusCode,
    headers,
  );
}

/** A failed body check as Anthropic's 400, naming the first field at fault. */
export function anthropicInvalidBody(c: Context, issues: z.core.$ZodIssue[]): Response {
  const issue = issues[0];
  const field = issue?.path.join('.') || 'body';
  const message = issue ? `${field}: ${issue.message}` : 'The request body is not valid.';
  return c.json(anthropicErrorBody('invalid_request_error', message), 400);
}

/** A 404 in Anthropic's shape. */
export function anthropicNotFound(c: Context, message: string): Response {
  return c.json(anthropicErrorBody('not_found_error', message), 404);
}

/** A stream's failure after it started: an `error` event, as Anthropic sends it. */
export function anthropicStreamFailure(failure: unknown): string {
  const body = anthropicGatewayErrorBody(publicGatewayError(failure));
  return `event: error\ndata: ${JSON.stringify(body)}\n\n`;
}
