import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';

/** Options of {@link requestLog}. */
export interface RequestLogOptions {
  /** Where the lines go (the process's pino logger). */
  logger: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  /** Paths logged at debug only: probes and scrapes arrive every few seconds. */
  quietPaths?: readonly string[];
}

const defaultQuiet = ['/healthz', '/readyz', '/metrics'];

/**
 * One structured line per request: method, path, status, duration and, once authenticated,
 * the tenant. Mounted first so it also sees answers rendered by the error handler; 5xx lines
 * are errors, 4xx warnings, the rest info.
 *
 * @example
 * app.use(requestLog({ logger }));
 * // {"level":30,"method":"POST","path":"/v1/batches","status":202,"durationMs":4.1,"tenant":"acme","msg":"request"}
 */
export function requestLog(options: RequestLogOptions): MiddlewareHandler {
  const quiet = new Set(options.quietPaths ?? defaultQuiet);
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const status = c.res.status;
      // Read untyped: the tenant is set by the auth middleware further in, when it ran.
      const tenant = (c.get as (key: string) => unknown)('tenant');
      const line = {
        method: c.req.method,
        path: c.req.path,
        status,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        ...(typeof tenant === 'string' ? { tenant } : {}),
      };
      const { logger } = options;
      // Written on the next turn: the line is a synchronous write, and for a streamed answer
      // this runs before the answer's first bytes leave.
      setImmediate(() => {
        if (status >= 500) logger.error(line, 'request');
        else if (quiet.has(line.path)) logger.debug(line, 'request');
        else if (status >= 400) logger.warn(line, 'request');
        else logger.info(line, 'request');
      });
    }
  };
}
