import { type BatchStore, type BatchSubmitter, DocumentBlobs } from '@nightshift/batches';
import { type Config, durationMs } from '@nightshift/core';
import type { FleetRegistry } from '@nightshift/fleet';
import {
  createMetricsRegistry,
  MetricsRecorder,
  nightshiftMetrics,
  UsageLedger,
} from '@nightshift/metrics';
import type { AnthropicBatches, OpenAiBatches, OpenAiFileStore } from '@nightshift/openai-batches';
import { ApiKeyStore, TenantQuotaStore } from '@nightshift/tenants';
import type { DeliveryLog, WebhookOutbox, WebhookSecretStore } from '@nightshift/webhooks';
import type { MiddlewareHandler } from 'hono';
import { every } from 'hono/combine';
import type { Redis } from 'ioredis';
import { batchQuotas } from './batch-quotas.ts';
import { apiSecurityHeaders } from './dashboard/page-security.ts';
import { anthropicBatchRoutes } from './gateway/anthropic-batch-routes.ts';
import { anthropicRefusal } from './gateway/anthropic-dialect.ts';
import { anthropicRoutes } from './gateway/anthropic-routes.ts';
import type { GatewayWiring } from './gateway/gateway-wiring.ts';
import { ollamaRoutes } from './gateway/ollama-routes.ts';
import { openAiBatchRoutes } from './gateway/openai-batch-routes.ts';
import { openAiRefusal } from './gateway/openai-dialect.ts';
import { openAiRoutes, type SurfaceGuards } from './gateway/openai-routes.ts';
import type { HotLane } from './hot-lane.ts';
import { AdminLoginThrottle } from './middleware/admin-login-throttle.ts';
import { clientAddresses } from './middleware/client-address.ts';
import { rateLimit } from './middleware/rate-limit.ts';
import { type RequestLogOptions, requestLog } from './middleware/request-log.ts';
import { requestTracing } from './middleware/request-tracing.ts';
import { streamedBodyLimit } from './middleware/streamed-body-limit.ts';
import { type TenantVariables, tenantAuth } from './middleware/tenant-auth.ts';
import { TenantSessionStore } from './middleware/tenant-sessions.ts';
import { apiRouter } from './openapi/api-router.ts';
import { openApiRoutes } from './openapi/openapi-routes.ts';
import { problem, renderError } from './problem.ts';
import { adminRoutes } from './routes/admin.ts';
import { batchRoutes } from './routes/batches.ts';
import { deliveryRoutes } from './routes/deliveries.ts';
import { healthRoutes } from './routes/health.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { schedulesRoutes } from './routes/schedules.ts';
import { summaryRoutes } from './routes/summaries.ts';
import { keyHashResolver, tenantPageRoutes } from './routes/tenant-page.ts';
import { usageRoutes } from './routes/usage.ts';
import { webhookSecretRoutes } from './routes/webhook-secrets.ts';
import { workerRoutes } from './routes/workers.ts';

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
}

/**
 * The Nightshift HTTP API as a Hono app, without sockets: tests call `app.request()`. Route
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

  app.route(
    '/',
    healthRoutes({
      isReady: async () => deps.isAccepting() && (await deps.redis.ping()) === 'PONG',
    }),
  );

  app.route('/', openApiRoutes({ root: app }));
  // Wrong keys and metrics tokens per client address, on every surface and replica; no global
  // bucket, which would let one guesser lock every tenant out.
  const keyFailures = new AdminLoginThrottle({
    redis: deps.redis,
    bucket: 'api-key-failures',
    perAddressPerMin: config.NIGHTSHIFT_AUTH_FAILURES_PER_MIN,
  });
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
  const recorder = new MetricsRecorder({ redis: deps.redis });

  // Managed keys are read through Redis on every request: a revoked key fails at once everywhere.
  const managedKeys = new ApiKeyStore({ redis: deps.redis });
  const quotas = new TenantQuotaStore({ redis: deps.redis });
  const quotaDefaults = {
    maxQueuedDocuments: config.NIGHTSHIFT_MAX_QUEUED_PER_TENANT,
    maxBatchBytes: config.NIGHTSHIFT_MAX_BATCH_BYTES,
    maxStoredFileBytes: config.NIGHTSHIFT_OPENAI_STORAGE_MAX_BYTES,
    maxStoredFiles: config.NIGHTSHIFT_OPENAI_STORAGE_MAX_FILES,
  };
  const storageQuota = async (tenant: string) => {
    const overrides = await quotas.get(tenant);
    return {
      maxBytes: overrides.maxStoredFileBytes ?? quotaDefaults.maxStoredFileBytes,
      maxFiles: overrides.maxStoredFiles ?? quotaDefaults.maxStoredFiles,
    };
  };
  if (config.NIGHTSHIFT_ADMIN_KEY) {
    app.route(
      '/admin',
      adminRoutes({
        adminKey: config.NIGHTSHIFT_ADMIN_KEY,
        redis: deps.redis,
        keys: managedKeys,
        quotas,
        quotaDefaults,
        store: deps.store,
        fleet: deps.fleet,
        deliveries: deps.webhooks.deliveries,
        staticTenants: config.NIGHTSHIFT_API_KEYS.map((k) => k.tenant),
        security: {
          sessionTtlS: config.NIGHTSHIFT_ADMIN_SESSION_TTL_S,
          cookieSecure: config.NIGHTSHIFT_ADMIN_COOKIE_SECURE,
          allowedOrigins: config.NIGHTSHIFT_ADMIN_ORIGINS,
          loginFailuresPerMin: config.NIGHTSHIFT_ADMIN_LOGIN_FAILURES_PER_MIN,
          loginFailuresGlobalPerMin: config.NIGHTSHIFT_ADMIN_LOGIN_FAILURES_GLOBAL_PER_MIN,
        },
        ...(deps.queueErrors ? { onQueueError: deps.queueErrors('admin dashboard') } : {}),
        plots: {
          windowSpec: config.NIGHTSHIFT_COLD_WINDOWS,
          timeZone: config.NIGHTSHIFT_TZ,
          vramMaxUsedPct: config.NIGHTSHIFT_VRAM_MAX_USED_PCT,
        },
      }),
    );
  }
  app.route(
    '/tenant',
    tenantPageRoutes({
      store: deps.store,
      sessions: new TenantSessionStore({
        redis: deps.redis,
        ttlS: config.NIGHTSHIFT_TENANT_SESSION_TTL_S,
      }),
      throttle: new AdminLoginThrottle({
        redis: deps.redis,
        bucket: 'tenant-login-failures',
        perAddressPerMin: config.NIGHTSHIFT_TENANT_LOGIN_FAILURES_PER_MIN,
        globalPerMin: config.NIGHTSHIFT_TENANT_LOGIN_FAILURES_GLOBAL_PER_MIN,
      }),
      tenantOfKeyHash: keyHashResolver(config.NIGHTSHIFT_API_KEYS, managedKeys),
      allowedOrigins: config.NIGHTSHIFT_ADMIN_ORIGINS,
      cookieSecure: config.NIGHTSHIFT_ADMIN_COOKIE_SECURE,
    }),
  );
  // Shared with schedules, whose inline documents are submitted again at every fire.
  const batchLimits = {
    maxDocuments: config.NIGHTSHIFT_MAX_DOCUMENTS,
    document: { maxDocumentBytes: config.NIGHTSHIFT_MAX_DOCUMENT_BYTES },
  };
  const admitBatch = batchQuotas({
    quotas,
    maxBatchBytes: quotaDefaults.maxBatchBytes,
    maxQueuedPerTenant: quotaDefaults.maxQueuedDocuments,
  });
  app.use(
    '/v1/*',
    tenantAuth({
      keys: config.NIGHTSHIFT_API_KEYS,
      lookup: (key) => managedKeys.resolve(key),
      failures: keyFailures,
    }),
  );
  app.route(
    '/v1/batches',
    batchRoutes({
      store: deps.store,
      submitter: deps.submitter,
      blobs: new DocumentBlobs({
        redis: deps.redis,
        ttlMs: durationMs(config.NIGHTSHIFT_RESULT_TTL),
      }),
      limits: batchLimits,
      maxBodyBytes: config.NIGHTSHIFT_MAX_BODY_BYTES,
      defaultModel: config.NIGHTSHIFT_MODEL,
      checkWebhookUrl: deps.checkWebhookUrl,
      guards: [
        rateLimit({
          redis: deps.redis,
          name: 'batch',
          ratePerMin: config.NIGHTSHIFT_BATCH_RATE_PER_MIN,
          burst: config.NIGHTSHIFT_BATCH_BURST,
          onRejected: (tenant, limit) =>
            recorder.inc(nightshiftMetrics.rateLimitRejections, { limit, tenant }),
        }),
      ],
      admit: admitBatch,
    }),
  );
  app.route(
    '/v1/schedules',
    schedulesRoutes({
      redis: deps.redis,
      ...(deps.openAiBatches ? { openAiFiles: deps.openAiBatches.files } : {}),
      defaultTimezone: config.NIGHTSHIFT_TZ,
      inboxDirs: config.NIGHTSHIFT_INBOX_DIRS,
      checkWebhookUrl: deps.checkWebhookUrl,
      maxBodyBytes: config.NIGHTSHIFT_MAX_BODY_BYTES,
      inline: { limits: batchLimits, checkBatchBytes: admitBatch },
      maxSchedulesPerTenant: config.NIGHTSHIFT_MAX_SCHEDULES_PER_TENANT,
      minIntervalS: config.NIGHTSHIFT_SCHEDULE_MIN_INTERVAL_S,
    }),
  );
  app.route('/v1/workers', workerRoutes({ registry: deps.fleet }));
  const files = deps.openAiBatches?.files;
  app.route(
    '/v1/usage',
    usageRoutes({
      ledger: new UsageLedger({ redis: deps.redis }),
      ...(files
        ? {
            storage: async (tenant: string) => {
              const [used, quota] = await Promise.all([
                files.storageUsage(tenant),
                storageQuota(tenant),
              ]);
              return { ...used, ...quota };
            },
          }
        : {}),
    }),
  );
  app.route('/v1', deliveryRoutes({ store: deps.store, ...deps.webhooks }));
  app.route('/v1/webhook-secret', webhookSecretRoutes({ secrets: deps.webhooks.secrets }));
  app.route(
    '/v1/summaries',
    summaryRoutes({
      hotLane: deps.hotLane,
      waitMs: config.NIGHTSHIFT_HOT_WAIT_S * 1000,
      defaultModel: config.NIGHTSHIFT_MODEL,
      documentLimits: { maxDocumentBytes: config.NIGHTSHIFT_MAX_DOCUMENT_BYTES },
      maxBodyBytes: Math.ceil(config.NIGHTSHIFT_MAX_DOCUMENT_BYTES * 1.4) + 64 * 1024,
      guards: [
        rateLimit({
          redis: deps.redis,
          name: 'hot',
          ratePerMin: config.NIGHTSHIFT_HOT_RATE_PER_MIN,
          burst: config.NIGHTSHIFT_HOT_BURST,
          onRejected: (tenant, limit) =>
            recorder.inc(nightshiftMetrics.rateLimitRejections, { limit, tenant }),
        }),
        ...(deps.hotAdmission ? [deps.hotAdmission] : []),
      ],
    }),
  );
  if (deps.gateway) {
    const lookup = (key: string) => managedKeys.resolve(key);
    const maxBytes = Math.ceil(config.NIGHTSHIFT_MAX_DOCUMENT_BYTES * 1.4) + 64 * 1024;
    // Each surface refuses in its own dialect; the rate limit is the hot lane's, shared with
    // /v1/summaries, so a tenant's interactive budget is one whichever way it calls.
    const guards: SurfaceGuards = (refuse, surface) => ({
      auth: tenantAuth({
        keys: config.NIGHTSHIFT_API_KEYS,
        lookup,
        refuse,
        failures: keyFailures,
        ...(surface?.keyHeader ? { keyHeader: surface.keyHeader } : {}),
      }),
      interactive: every(
        rateLimit({
          redis: deps.redis,
          name: 'hot',
          ratePerMin: config.NIGHTSHIFT_HOT_RATE_PER_MIN,
          burst: config.NIGHTSHIFT_HOT_BURST,
          refuse,
          onRejected: (tenant, limit) =>
            recorder.inc(nightshiftMetrics.rateLimitRejections, { limit, tenant }),
        }),
        streamedBodyLimit({
          maxBytes,
          onTooLarge: (c) =>
            refuse(c, {
              status: 413,
              code: 'too-large',
              detail: `The request body is over ${maxBytes} bytes.`,
            }),
        }),
      ),
    });
    const batchRoutes =
      deps.openAiBatches &&
      openAiBatchRoutes({
        ...deps.openAiBatches,
        limits: {
          maxBytes: config.NIGHTSHIFT_OPENAI_FILE_MAX_BYTES,
          maxLines: config.NIGHTSHIFT_OPENAI_BATCH_MAX_LINES,
        },
        checkWebhookUrl: deps.checkWebhookUrl,
        maxUnfinished: async (tenant) =>
          (await quotas.get(tenant)).maxQueuedDocuments ?? quotaDefaults.maxQueuedDocuments,
        storageQuota,
        // Uploads and batch creates spend the bucket of POST /v1/batches: one submission
        // budget per tenant whichever surface it uses.
        submissionGuard: rateLimit({
          redis: deps.redis,
          name: 'batch',
          ratePerMin: config.NIGHTSHIFT_BATCH_RATE_PER_MIN,
          burst: config.NIGHTSHIFT_BATCH_BURST,
          refuse: openAiRefusal,
          onRejected: (tenant, limit) =>
            recorder.inc(nightshiftMetrics.rateLimitRejections, { limit, tenant }),
        }),
      });
    app.route(
      '/openai/v1',
      openAiRoutes({ ...deps.gateway, guards, ...(batchRoutes ? { batchRoutes } : {}) }),
    );
    app.route('/ollama', ollamaRoutes({ ...deps.gateway, guards }));
    const messageBatchRoutes =
      deps.anthropicBatches &&
      anthropicBatchRoutes({
        batches: deps.anthropicBatches,
        // The requests are parsed whole, then stored as a file.
        maxBodyBytes: Math.min(
          config.NIGHTSHIFT_MAX_BODY_BYTES,
          config.NIGHTSHIFT_OPENAI_FILE_MAX_BYTES,
        ),
        checkWebhookUrl: deps.checkWebhookUrl,
        maxUnfinished: async (tenant) =>
          (await quotas.get(tenant)).maxQueuedDocuments ?? quotaDefaults.maxQueuedDocuments,
        storageQuota,
        // The same submission bucket as POST /v1/batches and /openai/v1's uploads and batches.
        submissionGuard: rateLimit({
          redis: deps.redis,
          name: 'batch',
          ratePerMin: config.NIGHTSHIFT_BATCH_RATE_PER_MIN,
          burst: config.NIGHTSHIFT_BATCH_BURST,
          refuse: anthropicRefusal,
          onRejected: (tenant, limit) =>
            recorder.inc(nightshiftMetrics.rateLimitRejections, { limit, tenant }),
        }),
      });
    app.route(
      '/anthropic',
      anthropicRoutes({
        ...deps.gateway,
        guards,
        ...(messageBatchRoutes ? { batchRoutes: messageBatchRoutes } : {}),
      }),
    );
  }
  return app;
}
