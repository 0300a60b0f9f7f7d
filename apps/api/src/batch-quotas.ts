import type { TenantQuotaStore } from '@nightshift/tenants';
import type { IntakeDocument } from './batch-intake.ts';
import { ProblemError } from './problem.ts';

/** Options of {@link batchQuotas}. */
export interface BatchQuotasOptions {
  /** Unfinished documents per tenant (the batch store keeps the count). */
  unfinishedDocuments: (tenant: string) => Promise<number>;
  /** Per-tenant overrides of the two defaults below. */
  quotas: TenantQuotaStore;
  /** `NIGHTSHIFT_MAX_BATCH_BYTES`. */
  maxBatchBytes: number;
  /** `NIGHTSHIFT_MAX_QUEUED_PER_TENANT`. */
  maxQueuedPerTenant: number;
}

/** Bytes of a document's content as it will be queued (PDFs decoded, text as UTF-8). */
function contentBytes(document: IntakeDocument): number {
  if (!('content' in document)) return 0;
  const { content } = document;
  if (content.kind === 'blob') return content.bytes;
  return content.kind === 'text'
    ? Buffer.byteLength(content.text, 'utf8')
    : Buffer.byteLength(content.base64, 'base64');
}

/**
 * The submission-time quotas of a batch, after intake and before anything is queued: bytes per
 * batch (413) and documents unfinished per tenant (429). Throws a {@link ProblemError}.
 *
 * The queued check reads then submits, so two batches of one tenant arriving at the same
 * instant can overshoot the quota by at most one batch; the counter itself never drifts.
 *
 * @example
 * const admit = batchQuotas({ unfinishedDocuments, quotas, maxBatchBytes, maxQueuedPerTenant });
 * await admit('acme', intake.documents);
 */
export function batchQuotas(options: BatchQuotasOptions) {
  return async (tenant: string, documents: IntakeDocument[]): Promise<void> => {
    const overrides = await options.quotas.get(tenant);
    const maxBytes = overrides.maxBatchBytes ?? options.maxBatchBytes;
    const bytes = documents.reduce((sum, d) => sum + contentBytes(d), 0);
    if (bytes > maxBytes) {
      throw new ProblemError(
        413,
        'batch-too-large',
        `A batch holds at most ${maxBytes} bytes of documents; this one has ${bytes}. Split it.`,
        { limit: maxBytes, received: bytes },
      );
    }
    const maxQueued = overrides.maxQueuedDocuments ?? options.maxQueuedPerTenant;
    const adding = documents.filter((d) => 'content' in d).length;
    const queued = await options.unfinishedDocuments(tenant);
    if (queued + adding > maxQueued) {
      throw new ProblemError(
        429,
        'queued-quota-exceeded',
        `Tenant '${tenant}' has ${queued} documents unfinished; adding ${adding} would pass its quota of ${maxQueued}. Submit again as earlier batches finish.`,
        { limit: maxQueued, queued, received: adding },
      );
    }
  };
}
