import { type IdKind, idSchemas } from '@nightshift/core';
import type { Context, MiddlewareHandler } from 'hono';

/** Options of {@link idParam}. */
export interface IdParamOptions {
  /** The path parameter, as named in the route (`id` for `/:id/results`). */
  name: string;
  /** Which id format it must have (see `idPatterns` in `@nightshift/core`). */
  kind: IdKind;
  /**
   * The route's own "not found" answer, so a malformed id reads exactly like a well-formed one
   * that does not exist. Gets the value cut to 100 characters.
   */
  notFound: (c: Context, value: string) => Response;
}

/**
 * Checks a path parameter against its id format before the handler runs (and before any Redis
 * command sees it); anything else answers the route's 404. Redis keys are built from these
 * ids, so an unchecked `batch_…:documents` would address another key of the batch and fail
 * with WRONGTYPE (a 500 that tells a guessed id exists).
 *
 * @example
 * app.get('/:id', idParam({ name: 'id', kind: 'batch', notFound }), async (c) => …);
 */
export function idParam(options: IdParamOptions): MiddlewareHandler {
  const schema = idSchemas[options.kind];
  return async (c, next) => {
    const value = c.req.param(options.name) ?? '';
    if (!schema.safeParse(value).success) return options.notFound(c, value.slice(0, 100));
    await next();
  };
}
