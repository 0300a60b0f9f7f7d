import { type GatewayError, publicGatewayError } from '@nightshift/gateway';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import type { RefusalRenderer } from '../problem.ts';

/** OpenAI's error body: `{error: {message, type, param, code}}`. */
export function openAiErrorBody(
  message: string,
  type: string,
  param: string | null,
  code: string | null,
) {
  return { error: { message, type, param, code } };
}

const typeOfStatus = (status: number) =>
  status === 401
    ? 'authentication_error'
    : status === 404
      ? 'invalid_request_error'
      : status === 429
        ? 'rate_limit_error'
        : status >= 500
          ? 'server_error'
          : 'invalid_request_error';

const codeOfRefusal: Record<string, string> = {
  unauthorized: 'invalid_api_key',
  'rate-limited': 'rate_limit_exceeded',
  'too-many-failed-authentications': 'rate_limit_exceeded',
  'too-large': 'request_too_large',
};

/** Guards' refusals (bad key, rate limit, body too large) as OpenAI errors. */
export const openAiRefusal: RefusalRenderer = (c, r) =>
  c.json(
    openAiErrorBody(r.detail, typeOfStatus(r.status), null, codeOfRefusal[r.code] ?? r.code),
    r.status,
    r.headers,
  );

/** The body of a gateway error in OpenAI's shape (also the payload of a failed stream's event). */
export function openAiGatewayErrorBody(error: GatewayError) {
  const code = error.kind === 'invalid_request' ? null : error.kind;
  return openAiErrorBody(error.message, typeOfStatus(error.status), error.param ?? null, code);
}

/** Answers any failure of a gateway call as an OpenAI error. */
export function openAiFailure(c: Context, failure: unknown): Response {
  const error = publicGatewayError(failure);
  const headers: Record<string, string> = error.retryAfterS
    ? { 'retry-after': String(error.retryAfterS) }
    : {};
  return c.json(openAiGatewayErrorBody(error), error.status as ContentfulStatusCode, headers);
}

/** A failed body check as OpenAI's 400, naming the first field at fault. */
export function openAiInvalidBody(c: Context, issues: z.core.$ZodIssue[]): Response {
  const issue = issues[0];
  const param = issue?.path.join('.') || null;
  const message = issue ? `${param ?? 'body'}: ${issue.message}` : 'The request body is not valid.';
  return c.json(openAiErrorBody(message, 'invalid_request_error', param, null), 400);
}

/** A stream's failure after it started: one `data:` event with the error, as vLLM sends it. */
export function openAiStreamFailure(failure: unknown): string {
  return `data: ${JSON.stringify(openAiGatewayErrorBody(publicGatewayError(failure)))}\n\n`;
}
