import { createRoute } from '@hono/zod-openapi';
import { type FleetRegistry, workerStatusSchema } from '@nightshift/fleet';
import type { StoredPlan } from '@nightshift/price-windows';
import { z } from 'zod';
import { apiRouter, serveRoute } from '../openapi/api-router.ts';
import {
  bearerSecurity,
  jsonResponse,
  problemResponses,
  unauthorized,
} from '../openapi/responses.ts';
import { pricePlanSchema, pricePlanView } from './price-plan-view.ts';

/** What each worker publishes about itself, as `@nightshift/fleet` defines it (one shape). */
const workerStatus = workerStatusSchema.meta({ id: 'WorkerStatus' });

const workerList = createRoute({
  method: 'get',
  path: '/',
  tags: ['workers'],
  summary: 'Live GPU workers: VRAM, window state, lanes, loaded models',
  security: bearerSecurity,
  responses: {
    200: jsonResponse(
      'Every live worker.',
      z.object({
        object: z.literal('list'),
        data: z.array(workerStatus),
        pricePlan: pricePlanSchema
          .nullable()
          .optional()
          .describe(
            'With `NIGHTSHIFT_PRICE_SOURCE` set: the plan of cold hours (null until the first is made); absent otherwise.',
          ),
      }),
      {
        one: {
          value: {
            object: 'list',
            data: [
              {
                id: 'gpu-a:4121',
                host: 'gpu-a',
                pid: 4121,
                startedAt: '2025-01-15T18:00:00.000Z',
                updatedAt: '2025-01-15T22:10:04.250Z',
                provider: 'ollama',
                gpu: {
                  probe: 'nvidia-smi',
                  status: 'ok',
                  gpus: [
                    {
                      index: 0,
                      name: 'NVIDIA H200',
                      totalMiB: 143771,
                      usedMiB: 71680,
                      freeMiB: 71475,
                      usedPct: 50.29,
                    },
                  ],
                },
                window: {
                  spec: '22:00-06:00',
                  timeZone: 'UTC',
                  open: true,
                  nextTransition: '2025-01-16T06:00:00.000Z',
                },
                lanes: {
                  hot: { slots: 2, running: 0 },
                  cold: {
                    slots: 2,
                    running: 2,
                    paused: false,
                    reason: null,
                    servers: [
                      {
                        id: 'server-3f9a1c07d2',
                        kind: 'ollama',
                        batching: 'slots',
                        places: 4,
                        limit: 3,
                        coldInFlight: 2,
                        coldInFlightAll: 3,
                        chats: 1,
                      },
                    ],
                  },
                },
                modelsLoaded: ['qwen3:32b'],
                recentHotMs: [2310, 1984],
              },
            ],
          },
        },
      },
    ),
    ...problemResponses(unauthorized),
  },
});

/**
 * `GET /v1/workers`: every live worker's id, host, GPU reading, window state and next
 * transition, slots in use, each model server's cold places (named without its address) and
 * loaded models. Workers are shared infrastructure, so every
 * tenant sees the same fleet (no tenant data is in it).
 *
 * @example
 * app.route('/v1/workers', workerRoutes({ registry }));
 */
export function workerRoutes(options: {
  registry: FleetRegistry;
  /** The price plan's store, given only while a price source is configured. */
  pricePlans?: { plan(): Promise<StoredPlan | null> };
}) {
  const app = apiRouter();
  serveRoute(app, workerList, async (c) => {
    const [data, plan] = await Promise.all([options.registry.list(), options.pricePlans?.plan()]);
    return c.json({
      object: 'list' as const,
      data,
      ...(options.pricePlans ? { pricePlan: pricePlanView(plan ?? null, new Date()) } : {}),
    });
  });
  return app;
}
