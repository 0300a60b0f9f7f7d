import { inSpan, withTraceparent } from '@nightshift/telemetry';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';

/** Options of {@link requestTracing}. */
export interface RequestTracingOptions {
  /** Paths not traced: probes and scrapes arrive every few seconds and say nothing. */
  quietPaths?: readonly string[];
}

const defaultQuiet = ['/healthz', '/readyz', '/metrics'];

/**
 * One server span per request, named `METHOD /route/:pattern`, the child of the caller's span
 * when the request carries a W3C `traceparent`. Everything the request does (a batch's
 * submission, its queued jobs) joins this trace. A 5xx answer marks the span failed; 4xx is the
 * caller's error and leaves it unset, as the HTTP conventions say. Mount it first, and only when
 * the process traces (`startTracing(...).enabled`).
 *
 * @example
 * if (tracing.enabled) app.use(requestTracing());
 */
export function requestTracing(options: RequestTracingOptions = {}): MiddlewareHandler {
  const quiet = new Set(options.quietPaths ?? defaultQuiet);
  return async (c, next) => {
    if (quiet.has(c.req.path)) return next();
    const method = c.req.method;
    await withTraceparent(c.req.header('traceparent'), () =>
      inSpan(
        method,
        {
          kind: SpanKind.SERVER,
          attributes: { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_URL_PATH]: c.req.path },
        },
        async (span) => {
          await next();
          // The route that answered, known only now; a catch-all (404) names no route.
          const route = routePath(c);
          if (route && !route.endsWith('*')) {
            span.setAttribute(ATTR_HTTP_ROUTE, route);
            span.updateName(`${method} ${route}`);
          }
          const status = c.res.status;
          span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
          if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          // Read untyped: the tenant is set by the auth middleware further in, when it ran.
          const tenant = (c.get as (key: string) => unknown)('tenant');
          if (typeof tenant === 'string') span.setAttribute('nightshift.tenant', tenant);
        },
      ),
    );
  };
}
