import type { Config } from '@nightshift/core';
import { MetricsRecorder, nightshiftMetrics } from '@nightshift/metrics';
import { ApiKeyStore, TenantQuotaStore } from '@nightshift/tenants';
import type { ApiDependencies } from '../app.ts';
import { batchQuotas } from '../batch-quotas.ts';
import { AdminLoginThrottle } from '../middleware/admin-login-throttle.ts';
import { rateLimit } from '../middleware/rate-limit.ts';
import type { RefusalRenderer } from '../problem.ts';

/** The defaults of the per-tenant quotas (a tenant's overrides win). */
export interface QuotaDefaults {
  maxQueuedDocuments: number;
  maxBatchBytes: number;
  maxStoredFileBytes: number;
  maxStoredFiles: number;
}

/**
 * What several route groups share, built once per app: one key-failure throttle, one view of
 * managed keys and quotas, and the two per-tenant rate limits every surface spends.
 */
export interface AppContext {
  deps: ApiDependencies;
  config: Config;
  /** Wrong keys and metrics tokens per client address, on every surface and replica. */
  keyFailures: AdminLoginThrottle;
  /** Managed keys, read through Redis on every request: a revoked key fails at once everywhere. */
  managedKeys: ApiKeyStore;
  quotas: TenantQuotaStore;
  quotaDefaults: QuotaDefaults;
  /** A tenant's stored-file quota, its overrides over the defaults. */
  storageQuota: (tenant: string) => Promise<{ maxBytes: number; maxFiles: number }>;
  /** A tenant's cap on unfinished documents, its override over the default. */
  maxUnfinished: (tenant: string) => Promise<number>;
  /** Batch size limits, shared with schedules, whose inline documents are submitted at every fire. */
  batchLimits: { maxDocuments: number; document: { maxDocumentBytes: number } };
  /** The batch-bytes and queued-documents admission of a native batch. */
  admitBatch: ReturnType<typeof batchQuotas>;
  /** The largest body of an interactive call (a document, base64-sized, plus room). */
  interactiveMaxBytes: number;
  /**
   * A per-tenant rate limit: `batch` (every submission, whichever surface) or `hot` (every
   * interactive call). One bucket per tenant and name, so each budget is one across surfaces.
   */
  rateLimit: (name: 'batch' | 'hot', refuse?: RefusalRenderer) => ReturnType<typeof rateLimit>;
}

/** Builds the {@link AppContext} of one app. */
export function appContext(deps: ApiDependencies): AppContext {
  const { config, redis } = deps;
  // No global bucket for wrong keys: it would let one guesser lock every tenant out.
  const keyFailures = new AdminLoginThrottle({
    redis,
    bucket: 'api-key-failures',
    perAddressPerMin: config.NIGHTSHIFT_AUTH_FAILURES_PER_MIN,
  });
  const recorder = new MetricsRecorder({ redis });
  const quotas = new TenantQuotaStore({ redis });
  const quotaDefaults: QuotaDefaults = {
    maxQueuedDocuments: config.NIGHTSHIFT_MAX_QUEUED_PER_TENANT,
    maxBatchBytes: config.NIGHTSHIFT_MAX_BATCH_BYTES,
    maxStoredFileBytes: config.NIGHTSHIFT_OPENAI_STORAGE_MAX_BYTES,
    maxStoredFiles: config.NIGHTSHIFT_OPENAI_STORAGE_MAX_FILES,
  };
  const limits = {
    batch: {
      ratePerMin: config.NIGHTSHIFT_BATCH_RATE_PER_MIN,
      burst: config.NIGHTSHIFT_BATCH_BURST,
    },
    hot: { ratePerMin: config.NIGHTSHIFT_HOT_RATE_PER_MIN, burst: config.NIGHTSHIFT_HOT_BURST },
  };
  return {
    deps,
    config,
    keyFailures,
    managedKeys: new ApiKeyStore({ redis }),
    quotas,
    quotaDefaults,
    storageQuota: async (tenant) => {
      const overrides = await quotas.get(tenant);
      return {
        maxBytes: overrides.maxStoredFileBytes ?? quotaDefaults.maxStoredFileBytes,
        maxFiles: overrides.maxStoredFiles ?? quotaDefaults.maxStoredFiles,
      };
    },
    maxUnfinished: async (tenant) =>
      (await quotas.get(tenant)).maxQueuedDocuments ?? quotaDefaults.maxQueuedDocuments,
    batchLimits: {
      maxDocuments: config.NIGHTSHIFT_MAX_DOCUMENTS,
      document: { maxDocumentBytes: config.NIGHTSHIFT_MAX_DOCUMENT_BYTES },
    },
    admitBatch: batchQuotas({
      quotas,
      maxBatchBytes: quotaDefaults.maxBatchBytes,
      maxQueuedPerTenant: quotaDefaults.maxQueuedDocuments,
    }),
    interactiveMaxBytes: Math.ceil(config.NIGHTSHIFT_MAX_DOCUMENT_BYTES * 1.4) + 64 * 1024,
    rateLimit: (name, refuse) =>
      rateLimit({
        redis,
        name,
        ...limits[name],
        ...(refuse ? { refuse } : {}),
        onRejected: (tenant, limit) =>
          recorder.inc(nightshiftMetrics.rateLimitRejections, { limit, tenant }),
      }),
  };
}
