import { type Hook, OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import type { Context, Env, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { problem, validationProblem } from '../problem.ts';

/**
 * What the framework does when a declared `query` or `params` schema refuses a request: a 422
 * problem naming each field (the native dialect). Path ids are checked earlier by `idParam`,
 * which answers the route's own 404; should a params schema still refuse, the answer is a 404
 * too, since a malformed id names nothing that exists.
 */
// biome-ignore lint/suspicious/noExplicitAny: the hook serves every route's inputs
export const problemHook: Hook<any, any, any, any> = (result, c) => {
  if (result.success) return;
  if (result.target === 'param') {
    return problem(c, 404, 'not-found', `No route for ${c.req.method} ${c.req.path}.`);
  }
  throw validationProblem(result.error as z.ZodError);
};

/**
 * A router whose routes document themselves: `createRoute` definitions served with
 * {@link serveRoute}, collected into `GET /openapi.json` when mounted with `app.route()`.
 *
 * @example
 * const app = apiRouter<{ Variables: TenantVariables }>();
 * serveRoute(app, getBatch, async (c) => c.json(batch));
 */
export function apiRouter<E extends Env = Env>() {
  return new OpenAPIHono<E>({ defaultHook: problemHook });
}

/**
 * A route handler as the routes write them: any `Response` (JSON, problem, stream). Typed for
 * an `{id}` path, the one parameter the routes name, so `c.req.param('id')` is a string.
 */
export type RouteHandler<E extends Env> = (c: Context<E, '/:id'>) => Response | Promise<Response>;

/**
 * Serves `route` on `app` and adds it to the document. The framework validates the declared
 * `query` and `params` (422/404 through {@link problemHook}); route `middleware` runs first.
 *
 * A declared request `body` is documented but NOT handed to the framework's validators: they
 * answer 415 and 400 in words of their own, refuse content types the routes accept, and read a
 * multipart upload whole into memory (`parseBody`). Each handler reads its body as before
 * (streamed multipart, the routes' own 400/415 answers) and validates it with the very zod
 * schema the route declares.
 *
 * @example
 * serveRoute(app, createRoute({ method: 'get', path: '/', responses }), (c) => c.json(list));
 */
export function serveRoute<E extends Env>(
  app: OpenAPIHono<E>,
  route: RouteConfig,
  handler: RouteHandler<E>,
): void {
  const { middleware, hide: _hide, ...documented } = route;
  app.openAPIRegistry.registerPath(documented);
  const query = route.request?.query;
  const request = route.request && {
    ...route.request,
    body: undefined,
    // The framework hands a repeated key over as an array; `c.req.query()` takes the first
    // value, and so the routes always did: `?limit=5&limit=9` still means 5.
    ...(query ? { query: z.preprocess(firstValues, query) } : {}),
  };
  const served = { ...route, ...(request ? { request } : {}), hide: true };
  // The typed-response checks of `app.openapi` are for RPC clients; these handlers answer
  // problem documents and streams beside the declared JSON, so the handler type is loosened.
  app.openapi(served as RouteConfig & { middleware?: MiddlewareHandler[] }, handler as never);
}

/**
 * The query a route's declared `query` schema accepted (its parsed output, defaults applied).
 *
 * @example
 * const { limit, after } = validQuery<z.infer<typeof listQuery>>(c);
 */
export function validQuery<T>(c: Context): T {
  return (c.req as unknown as { valid: (target: 'query') => T }).valid('query');
}

/** A query as the framework reads it (repeated keys as arrays), with each key's first value. */
function firstValues(query: unknown): unknown {
  if (!query || typeof query !== 'object') return query;
  return Object.fromEntries(
    Object.entries(query).map(([key, value]) => [key, Array.isArray(value) ? value[0] : value]),
  );
}
