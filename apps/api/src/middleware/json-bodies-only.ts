import type { MiddlewareHandler } from 'hono';
import { problem } from '../problem.ts';
import { isUnsafeMethod } from './admin-origin.ts';

/** True for `application/json` and `application/*+json`, with or without parameters. */
export const isJsonContentType = (value: string | undefined) =>
  /^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(value ?? '');

/** The 415 problem for a body that is not declared JSON. */
export const notJsonProblem = (c: Parameters<MiddlewareHandler>[0]) =>
  problem(
    c,
    415,
    'unsupported-media-type',
    'Send the body as JSON, with Content-Type: application/json.',
  );

/**
 * Refuses (415) a state-changing request whose body is not declared JSON. For handlers that
 * parse any body as JSON whatever its type (Bull Board's do): a cross-site form can send
 * `text/plain` without a CORS preflight, and such a body must never be read as JSON. Requests
 * without a body (most of Bull Board's buttons) pass.
 *
 * @example
 * app.use('*', jsonBodiesOnly());
 */
export function jsonBodiesOnly(): MiddlewareHandler {
  return async (c, next) => {
    if (!isUnsafeMethod(c.req.method) || isJsonContentType(c.req.header('content-type'))) {
      return next();
    }
    // Read through Hono's cache, so the handler can still read the (empty) body after this.
    if ((await c.req.text()).length > 0) return notJsonProblem(c);
    return next();
  };
}
