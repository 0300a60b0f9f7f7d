import { Hono } from 'hono';
import { problem } from '../problem.ts';

/** Options of {@link healthRoutes}. */
export interface HealthOptions {
  /** True when Redis answers and the process is not draining. */
  isReady: () => Promise<boolean>;
}

/**
 * `/healthz`: the process is up. `/readyz`: it can serve (Redis reachable, not draining).
 *
 * @example
 * app.route('/', healthRoutes({ isReady: async () => (await redis.ping()) === 'PONG' }));
 */
export function healthRoutes(options: HealthOptions) {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const ready = await options.isReady().catch(() => false);
    return ready
      ? c.json({ status: 'ready' })
      : problem(
          c,
          503,
          'not-ready',
          'Redis is unreachable or the process is draining.',
          {},
          {
            'retry-after': '5',
          },
        );
  });
  return app;
}
