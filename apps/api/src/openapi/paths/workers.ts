import { workerStatusSchema } from '@nightshift/fleet';
import { z } from 'zod';
import { type Components, problemResponses, unauthorized } from '../components.ts';
import type { SpecBuilder } from '../spec-builder.ts';

/** `GET /v1/workers`: the live fleet (shared infrastructure, the same for every tenant). */
export function registerWorkerPaths(spec: SpecBuilder, c: Components): void {
  const WorkerStatus = spec.register('WorkerStatus', workerStatusSchema);
  spec.registry.registerPath({
    method: 'get',
    path: '/v1/workers',
    tags: ['workers'],
    summary: 'Live GPU workers: VRAM, window state, lanes, loaded models',
    security: [{ bearer: [] }],
    responses: {
      200: {
        description: 'Every live worker.',
        content: spec.media('GET /v1/workers', 200, {
          'application/json': {
            schema: z.object({ object: z.literal('list'), data: z.array(WorkerStatus) }),
            examples: {
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
                        cold: { slots: 2, running: 2, paused: false, reason: null },
                      },
                      modelsLoaded: ['qwen3:32b'],
                      recentHotMs: [2310, 1984],
                    },
                  ],
                },
              },
            },
          },
        }),
      },
      ...problemResponses(spec, c, 'GET /v1/workers', unauthorized),
    },
  });
}
