import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiDependencies } from '../app.ts';
import type { TenantVariables } from '../middleware/tenant-auth.ts';
import type { AppContext } from './app-context.ts';

/** The app every group mounts on: the root router whose routes make `GET /openapi.json`. */
export type ApiApp = OpenAPIHono<{ Variables: TenantVariables }>;

/**
 * One group of routes with its own wiring: it builds its routers and middleware from the
 * dependencies and the pieces groups share ({@link AppContext}), and mounts them. `createApp`
 * only lists the groups, in the order their middleware must apply.
 *
 * @example
 * export const workersGroup: RouteGroup = {
 *   name: 'workers',
 *   mount: (app, { deps }) => app.route('/v1/workers', workerRoutes({ registry: deps.fleet })),
 * };
 */
export interface RouteGroup {
  /** What the group serves, for readers and errors. */
  name: string;
  mount(app: ApiApp, context: AppContext): void;
}

export type { ApiDependencies };
