import { createMetricsRegistry } from '@nightshift/metrics';
import { openApiRoutes } from '../openapi/openapi-routes.ts';
import { healthRoutes } from '../routes/health.ts';
import { metricsRoutes } from '../routes/metrics.ts';
import type { RouteGroup } from './route-group.ts';

/** `/healthz`, `/readyz`: ready while accepting work and Redis answers. */
export const healthGroup: RouteGroup = {
  name: 'health',
  mount: (app, { deps }) => {
    app.route(
      '/',
      healthRoutes({
        isReady: async () => deps.isAccepting() && (await deps.redis.ping()) === 'PONG',
      }),
    );
  },
};

/** `GET /openapi.json`: the routes mounted on the root app. */
export const openApiGroup: RouteGroup = {
  name: 'openapi',
  mount: (app) => {
    app.route('/', openApiRoutes({ root: app }));
  },
};

/** `/metrics`, behind its tokens and the shared key-failure throttle. */
export const metricsGroup: RouteGroup = {
  name: 'metrics',
  mount: (app, { deps, config, keyFailures }) => {
    app.route(
      '/',
      metricsRoutes({
        metrics: createMetricsRegistry({
          redis: deps.redis,
          ...(deps.queueErrors ? { onError: deps.queueErrors('metrics') } : {}),
        }),
        auth: { tokens: config.NIGHTSHIFT_METRICS_TOKEN, failures: keyFailures },
      }),
    );
  },
};
