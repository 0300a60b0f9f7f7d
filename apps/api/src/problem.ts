import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';

/** An RFC 9457 problem document. */
export interface Problem {
  /** A URI reference naming the kind of problem; resolvable against the API's origin. */
  type: string;
  title: string;
  status: number;
  detail: string;
  /** For validation problems: each failing field and why. */
  errors?: { field: string; message: string }[];
  [extension: string]: unknown;
}

/** The standard reason phrase of each status the API answers with; a problem's `title`. */
export const problemTitles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/**
 * Answers with `application/problem+json`.
 *
 * @example
 * return problem(c, 404, 'batch-not-found', `No batch ${id}`);
 */
export function problem(
  c: Context,
  status: ContentfulStatusCode,
  slug: string,
  detail: string,
  extra: Partial<Problem> = {},
  headers: Record<string, string> = {},
): Response {
  const body: Problem = {
    type: `/problems/${slug}`,
    title: problemTitles[status] ?? 'Error',
    status,
    detail,
    ...extra,
  };
  return c.body(JSON.stringify(body), status, {
    'content-type': 'application/problem+json',
    ...headers,
  });
}

/** A problem raised deep in a handler; the app's error handler renders it. */
export class ProblemError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly slug: string,
    detail: string,
    readonly extra: Partial<Problem> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

/** Zod issues as `{field, message}` with dotted paths (`documents.3.text`). */
export function zodErrors(error: z.ZodError, prefix = ''): { field: string; message: string }[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(body)',
    message: issue.message,
  }));
}

/** A 422 naming each failing field. */
export function validationProblem(error: z.ZodError, prefix = ''): ProblemError {
  const errors = zodErrors(error, prefix);
  const detail = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
  return new ProblemError(422, 'validation-error', detail, { errors });
}

/** The app-wide error handler: problems as they are, everything else as an opaque 500. */
export function renderError(error: Error, c: Context, log?: (error: Error) => void): Response {
  if (error instanceof ProblemError) {
    return problem(c, error.status, error.slug, error.message, error.extra, error.headers);
  }
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode;
    const slug = status === 400 ? 'malformed-request' : `http-${status}`;
    return problem(c, status, slug, error.message || problemTitles[status] || 'HTTP error');
  }
  if (isRedisDown(error)) {
    return problem(
      c,
      503,
      'storage-unavailable',
      'The queue store is unreachable; retry shortly.',
      {},
      {
        'retry-after': '5',
      },
    );
  }
  log?.(error);
  return problem(c, 500, 'internal-error', 'Something went wrong on our side; it was logged.');
}

function isRedisDown(error: Error): boolean {
  return /ECONNREFUSED|Connection is closed|max retries per request|Stream isn't writeable|ETIMEDOUT|ENOTCONN/i.test(
    error.message,
  );
}

/** What a guard (auth, rate limit, admission) says when it refuses a request. */
export interface Refusal {
  status: ContentfulStatusCode;
  /** Short machine-readable name: `unauthorized`, `rate-limited`, … */
  code: string;
  detail: string;
  headers?: Record<string, string>;
}

/**
 * Renders a guard's refusal in the caller's dialect: problem+json on `/v1`, OpenAI's and
 * Ollama's own error bodies on the gateway's surfaces.
 */
export type RefusalRenderer = (c: Context, refusal: Refusal) => Response;

/** The native API's refusals: RFC 9457 problem documents. */
export const problemRefusal: RefusalRenderer = (c, r) =>
  problem(c, r.status, r.code, r.detail, {}, r.headers ?? {});
