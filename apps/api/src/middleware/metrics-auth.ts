import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { problem } from '../problem.ts';
import type { AdminLoginThrottle } from './admin-login-throttle.ts';
import { clientAddress } from './client-address.ts';

/** Options of {@link metricsAuth}. */
export interface MetricsAuthOptions {
  /**
   * `NIGHTSHIFT_METRICS_TOKEN`: the tokens a scraper may send (two during a rotation).
   * Undefined or empty: every request is refused, since the series name every tenant.
   */
  tokens: readonly string[] | undefined;
  /** The wrong-key throttle of the API surfaces; a wrong token counts as a wrong key. */
  failures?: AdminLoginThrottle;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Lets only the Prometheus scraper read `/metrics`: `Authorization: Bearer <token>` with a
 * token of `NIGHTSHIFT_METRICS_TOKEN`, compared as SHA-256 digests in constant time. The
 * series carry tenant names, so with no token configured nobody reads them.
 *
 * @example
 * app.use('/metrics', metricsAuth({ tokens: config.NIGHTSHIFT_METRICS_TOKEN }));
 */
export function metricsAuth(options: MetricsAuthOptions): MiddlewareHandler {
  const known = (options.tokens ?? []).map(digest);
  const challenge = { 'www-authenticate': 'Bearer realm="nightshift-metrics"' };
  return async (c, next) => {
    if (known.length === 0) {
      return problem(
        c,
        401,
        'unauthorized',
        'Metrics are off: the operator has set no NIGHTSHIFT_METRICS_TOKEN.',
        {},
        challenge,
      );
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
    if (!match) {
      return problem(
        c,
        401,
        'unauthorized',
        'Send Authorization: Bearer <metrics token>.',
        {},
        challenge,
      );
    }
    const address = clientAddress(c);
    const wait = await options.failures?.refusal(address);
    if (wait) {
      return problem(
        c,
        429,
        'too-many-failed-authentications',
        `Too many wrong keys from this address; retry in ${wait.retryAfterS} s.`,
        {},
        { 'retry-after': String(wait.retryAfterS) },
      );
    }
    const presented = digest(match[1] as string);
    let valid = false;
    for (const token of known) valid = timingSafeEqual(token, presented) || valid;
    if (!valid) {
      await options.failures?.fail(address);
      return problem(c, 401, 'unauthorized', 'That metrics token is not valid.', {}, challenge);
    }
    await next();
  };
}
