import type { BatchStore, BatchSubmitter } from '@nightshift/batches';
import type { Config } from '@nightshift/core';
import type { FleetRegistry } from '@nightshift/fleet';
import type { AnthropicBatches, OpenAiBatches, OpenAiFileStore } from '@nightshift/openai-batches';
import type { DeliveryLog, WebhookOutbox, WebhookSecretStore } from '@nightshift/webhooks';
import type { MiddlewareHandler } from 'hono';
import type { Redis } from 'ioredis';
import type { NightShiftSource } from './dashboard/night-shift-data.ts';
import { apiSecurityHeaders } from './dashboard/page-security.ts';
import type { GatewayWiring } from './gateway/gateway-wiring.ts';
import type { HotLane } from './hot-lane.ts';
import { clientAddresses } from './middleware/client-address.ts';
import { type RequestLogOptions, requestLog } from './middleware/request-log.ts';
import { requestTracing } from './middleware/request-tracing.ts';
import type { TenantVariables } from './middleware/tenant-auth.ts';
import { apiRouter } from './openapi/api-router.ts';
import { problem, renderError } from './problem.ts';
import { appContext } from './route-groups/app-context.ts';
import { adminGroup, tenantPageGroup } from './route-groups/dashboards.ts';
import { gatewayGroup } from './route-groups/gateway.ts';
import {
  batchesGroup,
  nativeAuthGroup,
  schedulesGroup,
  summariesGroup,
  tenantViewsGroup,
} from './route-groups/native.ts';
import { healthGroup, metricsGroup, openApiGroup } from './route-groups/operations.ts';
import type { RouteGroup } from './route-groups/route-group.ts';

/**
 * The route groups, in mounting order: each brings its own wiring. Order matters where a
 * group adds middleware: `nativeAuthGroup` guards every `/v1/*` route mounted after it, and
 * `openApiGroup` documents the routes of the whole app.
 */
export const routeGroups: readonly RouteGroup[] = [
  healthGroup,
  openApiGroup,
  metricsGroup,
  adminGroup,
  tenantPageGroup,
  nativeAuthGroup,
  batchesGroup,
  schedulesGroup,
  tenantViewsGroup,
  summariesGroup,
  gatewayGroup,
];

/** What the HTTP layer needs; the process (main.ts) builds these. */
export interface ApiDependencies {
  config: Config;
  /** Client connection (commands, never blocking). */
  redis: Redis;
  store: BatchStore;
  submitter: BatchSubmitter;
  hotLane: HotLane;
  /** Live workers, as they publish themselves. */
  fleet: FleetRegistry;
  checkWebhookUrl: (url: string) => Promise<{ ok: true } | { ok: false; detail: string }>;
  /** Webhook delivery log, replay outbox and per-tenant signing secrets. */
  webhooks: { deliveries: DeliveryLog; outbox: WebhookOutbox; secrets: WebhookSecretStore };
  /** False while draining for shutdown. */
  isAccepting: () => boolean;
  /** The interactive gateway behind `/openai/v1` and `/ollama`; those surfaces are absent without it. */
  gateway?: Pick<GatewayWiring, 'gateway' | 'clients' | 'mediaUrls'>;
  /** Files and batches of `/openai/v1` (cold-lane work); absent, that surface has neither. */
  openAiBatches?: { files: OpenAiFileStore; batches: OpenAiBatches };
  /** Message Batches of `/anthropic` (cold-lane work); absent, that surface has none. */
  anthropicBatches?: AnthropicBatches;
  /** Hot-lane admission (VRAM, queue depth): runs after the rate limit. */
  hotAdmission?: MiddlewareHandler<{ Variables: TenantVariables }>;
  logError?: (error: Error) => void;
  /**
   * The `error` listener for the BullMQ handles the app builds (metrics, dashboard), named by
   * their source: a Redis outage is then a few log lines (`RedisOutageLog.listener`).
   */
  queueErrors?: (source: string) => (error: Error) => void;
  /** Request log (one line per request with tenant, status, duration); none when absent. */
  logger?: RequestLogOptions['logger'];
  /** One server span per request (`startTracing(...).enabled`); none when absent. */
  traceRequests?: boolean;
  /** GPU time, energy and prices behind the admin's night shift panel; none when absent. */
  nightShift?: NightShiftSource;
}

/**
 * The Nightshift HTTP API as a Hono app, without sockets: tests call `app.request()`. The
 * app-wide middleware is set here; each of {@link routeGroups} mounts its own routes. Route
 * files mounted with `app.route()` bring their definitions into `GET /openapi.json`; `/admin`
 * is a plain Hono app and stays out of it.
 *
 * @example
 * const app = createApp(dependencies);
 * const res = await app.request('/v1/batches', { method: 'POST', headers, body });
 */
export function createApp(deps: ApiDependencies) {
  const { config } = deps;
  const app = apiRouter<{ Variables: TenantVariables }>();
  if (deps.traceRequests) app.use(requestTracing());
  if (deps.logger) app.use(requestLog({ logger: deps.logger }));
  app.use(apiSecurityHeaders());
  app.use(clientAddresses({ trustedProxies: config.NIGHTSHIFT_TRUSTED_PROXIES }));
  app.onError((error, c) => renderError(error, c, deps.logError));
  app.notFound((c) => problem(c, 404, 'not-found', `No route for ${c.req.method} ${c.req.path}.`));
  const context = appContext(deps);
  for (const group of routeGroups) group.mount(app, context);
  return app;
}
