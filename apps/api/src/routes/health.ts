import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { apiRouter, serveRoute } from '../openapi/api-router.ts';
import { jsonResponse, problemResponses } from '../openapi/responses.ts';
import { problem } from '../problem.ts';

/** Options of {@link healthRoutes}. */
export interface HealthOptions {
  /** True when Redis answers and the process is not draining. */
  isReady: () => Promise<boolean>;
}

const liveness = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['operations'],
  summary: 'Liveness: the process is up',
  responses: {
    200: jsonResponse('Up.', z.object({ status: z.literal('ok') }), {
      ok: { value: { status: 'ok' } },
    }),
  },
});

const readiness = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['operations'],
  summary: 'Readiness: Redis reachable and not draining',
  responses: {
    200: jsonResponse('Ready.', z.object({ status: z.literal('ready') }), {
      ready: { value: { status: 'ready' } },
    }),
    ...problemResponses({
      503: {
        description: 'Redis unreachable or draining.',
        slug: 'not-ready',
        detail: 'Redis is unreachable or the process is draining.',
      },
    }),
  },
});

/**
 * `/healthz`: the process is up. `/readyz`: it can serve (Redis reachable, not draining).
 *
 * @example
 * app.route('/', healthRoutes({ isReady: async () => (await redis.ping()) === 'PONG' }));
 */
export function healthRoutes(options: HealthOptions) {
  const app = apiRouter();
  serveRoute(app, liveness, (c) => c.json({ status: 'ok' }));
  serveRoute(app, readiness, async (c) => {
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
