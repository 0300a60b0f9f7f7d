import { type RedisRunCoordinator, ScheduleFirer } from '@nightshift/schedules';
import type { Services } from '@nightshift/services';

/**
 * The schedule firer as the configuration sets it up: it submits as `POST /v1/batches` does
 * (inbox folders, default model, document limits) and passes the tenant's unfinished-documents
 * quota (its override first) at every fire.
 *
 * @example
 * const firer = configuredFirer(services, new RedisRunCoordinator({ redis: services.client }));
 */
export function configuredFirer(
  services: Services,
  coordinator: RedisRunCoordinator,
  readFile?: (path: string) => Promise<Buffer>,
): ScheduleFirer {
  const { config } = services;
  return new ScheduleFirer({
    store: services.schedules,
    submitter: services.batchSubmitter,
    openAiBatches: services.openAiBatches,
    redis: services.client,
    coordinator,
    inboxDirs: config.NIGHTSHIFT_INBOX_DIRS,
    defaultModel: config.NIGHTSHIFT_MODEL,
    maxDocumentBytes: config.NIGHTSHIFT_MAX_DOCUMENT_BYTES,
    maxDocuments: config.NIGHTSHIFT_MAX_DOCUMENTS,
    quotas: {
      overrides: services.tenantQuotas,
      maxQueuedPerTenant: config.NIGHTSHIFT_MAX_QUEUED_PER_TENANT,
      maxBatchBytes: config.NIGHTSHIFT_MAX_BATCH_BYTES,
    },
    ...(readFile ? { readFile } : {}),
  });
}
