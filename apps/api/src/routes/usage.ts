import { daysBetween, type UsageLedger, usageQuery, utcDay } from '@nightshift/metrics';
import { Hono } from 'hono';
import type { TenantVariables } from '../middleware/tenant-auth.ts';
import { ProblemError, validationProblem } from '../problem.ts';

/** Options of {@link usageRoutes}. */
export interface UsageRoutesOptions {
  ledger: UsageLedger;
  /** Clock for the default `to` (today, UTC); injectable for tests. */
  now?: () => Date;
}

/**
 * `GET /v1/usage?from=YYYY-MM-DD&to=YYYY-MM-DD&granularity=day|month`: the calling tenant's
 * finished documents and tokens per model and period. The tenant comes from the bearer key,
 * never from the query: a tenant sees only its own usage.
 *
 * @example
 * app.route('/v1/usage', usageRoutes({ ledger: new UsageLedger({ redis }) }));
 */
export function usageRoutes(options: UsageRoutesOptions) {
  const now = options.now ?? (() => new Date());
  const app = new Hono<{ Variables: TenantVariables }>();
  app.get('/', async (c) => {
    const query = usageQuery.safeParse(c.req.query());
    if (!query.success) throw validationProblem(query.error);
    const from = query.data.from;
    const to = query.data.to ?? utcDay(now());
    try {
      daysBetween(from, to);
    } catch (error) {
      const message = (error as Error).message;
      // A defaulted `to` is not the client's mistake: a `from` in the future is.
      const field = query.data.to === undefined ? 'from' : 'to';
      throw new ProblemError(422, 'validation-error', `${field}: ${message}`, {
        errors: [{ field, message }],
      });
    }
    return c.json(
      await options.ledger.report({
        tenant: c.get('tenant'),
        from,
        to,
        granularity: query.data.granularity,
      }),
    );
  });
  return app;
}
