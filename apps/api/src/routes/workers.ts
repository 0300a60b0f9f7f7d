import type { FleetRegistry } from '@nightshift/fleet';
import { Hono } from 'hono';

/**
 * `GET /v1/workers`: every live worker's id, host, GPU reading, window state and next
 * transition, slots in use and loaded models. Workers are shared infrastructure, so every
 * tenant sees the same fleet (no tenant data is in it).
 *
 * @example
 * app.route('/v1/workers', workerRoutes({ registry }));
 */
export function workerRoutes(options: { registry: FleetRegistry }) {
  const app = new Hono();
  app.get('/', async (c) => c.json({ object: 'list', data: await options.registry.list() }));
  return app;
}
