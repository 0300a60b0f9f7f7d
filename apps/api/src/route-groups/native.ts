import { DocumentBlobs } from '@nightshift/batches';
import { durationMs } from '@nightshift/core';
import { UsageLedger } from '@nightshift/metrics';
import { PriceStore } from '@nightshift/price-windows';
import { tenantAuth } from '../middleware/tenant-auth.ts';
import { batchRoutes } from '../routes/batches.ts';
import { deliveryRoutes } from '../routes/deliveries.ts';
import { schedulesRoutes } from '../routes/schedules.ts';
import { summaryRoutes } from '../routes/summaries.ts';
import { usageRoutes } from '../routes/usage.ts';
import { webhookSecretRoutes } from '../routes/webhook-secrets.ts';
import { workerRoutes } from '../routes/workers.ts';
import type { RouteGroup } from './route-group.ts';

/** Every `/v1/*` route after it needs a tenant's key; mounted before them. */
export const nativeAuthGroup: RouteGroup = {
  name: 'native auth',
  mount: (app, { config, managedKeys, keyFailures }) => {
    app.use(
      '/v1/*',
      tenantAuth({
        keys: config.NIGHTSHIFT_API_KEYS,
        lookup: (key) => managedKeys.resolve(key),
        failures: keyFailures,
      }),
    );
  },
};

/** `/v1/batches`: native batches, their documents, results and cancels. */
export const batchesGroup: RouteGroup = {
  name: 'batches',
  mount: (app, context) => {
    const { deps, config } = context;
    app.route(
      '/v1/batches',
      batchRoutes({
        store: deps.store,
        submitter: deps.submitter,
        blobs: new DocumentBlobs({
          redis: deps.redis,
          ttlMs: durationMs(config.NIGHTSHIFT_RESULT_TTL),
        }),
        limits: context.batchLimits,
        maxBodyBytes: config.NIGHTSHIFT_MAX_BODY_BYTES,
        defaultModel: config.NIGHTSHIFT_MODEL,
        checkWebhookUrl: deps.checkWebhookUrl,
        guards: [context.rateLimit('batch')],
        admit: context.admitBatch,
      }),
    );
  },
};

/** `/v1/schedules`: night-batch schedules (inline documents, inbox folders, stored files). */
export const schedulesGroup: RouteGroup = {
  name: 'schedules',
  mount: (app, { deps, config, batchLimits, admitBatch }) => {
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
  },
};

/** `/v1/workers`, `/v1/usage`, deliveries and the webhook secret: a tenant's views. */
export const tenantViewsGroup: RouteGroup = {
  name: 'tenant views',
  mount: (app, { deps, storageQuota }) => {
    app.route(
      '/v1/workers',
      workerRoutes({
        registry: deps.fleet,
        ...(deps.config.NIGHTSHIFT_PRICE_SOURCE
          ? { pricePlans: new PriceStore({ redis: deps.redis }) }
          : {}),
      }),
    );
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
  },
};

/** `/v1/summaries`: the hot lane, behind the hot rate limit and its admission. */
export const summariesGroup: RouteGroup = {
  name: 'summaries',
  mount: (app, context) => {
    const { deps, config } = context;
    app.route(
      '/v1/summaries',
      summaryRoutes({
        hotLane: deps.hotLane,
        waitMs: config.NIGHTSHIFT_HOT_WAIT_S * 1000,
        defaultModel: config.NIGHTSHIFT_MODEL,
        documentLimits: { maxDocumentBytes: config.NIGHTSHIFT_MAX_DOCUMENT_BYTES },
        maxBodyBytes: context.interactiveMaxBytes,
        guards: [context.rateLimit('hot'), ...(deps.hotAdmission ? [deps.hotAdmission] : [])],
      }),
    );
  },
};
