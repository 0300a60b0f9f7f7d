import type { UnfinishedLimit, UnfinishedQuotaError } from '@nightshift/batches';
import type { TenantQuotaStore } from '@nightshift/tenants';
import type { IntakeDocument } from './batch-intake.ts';
import { ProblemError } from './problem.ts';

/** Options of {@link batchQuotas}. */
export interface BatchQuotasOptions {
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
  if (content.kind === 'request') return content.length;
  return content.kind === 'text'
    ? Buffer.byteLength(content.text, 'utf8')
    : Buffer.byteLength(content.base64, 'base64');
}

/**
 * The submission-time quotas of a batch, after intake and before anything is queued: bytes per
 * batch (413, thrown as a {@link ProblemError}) and documents unfinished per tenant, which it
 * hands back as the limit that `BatchStore.create` checks and counts in one atomic step, so two
 * batches of one tenant arriving together cannot both pass it.
 *
 * @example
 * const admit = batchQuotas({ unfinishedDocuments, quotas, maxBatchBytes, maxQueuedPerTenant });
 * const unfinishedLimit = await admit('acme', intake.documents);
 * await submitter.submit({ ...batch, unfinishedLimit }); // UnfinishedQuotaError → queuedQuotaProblem
 */
export function batchQuotas(options: BatchQuotasOptions) {
  return async (tenant: string, documents: IntakeDocument[]): Promise<UnfinishedLimit> => {
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
    return {
      max: overrides.maxQueuedDocuments ?? options.maxQueuedPerTenant,
      adding: documents.filter((d) => 'content' in d).length,
    };
  };
}

/** The 429 answer to a batch refused by its tenant's unfinished-documents quota. */
export function queuedQuotaProblem(error: UnfinishedQuotaError): ProblemError {
  const { tenant, unfinished, limit } = error;
  return new ProblemError(
    429,
    'queued-quota-exceeded',
    `Tenant '${tenant}' has ${unfinished} documents unfinished; adding ${limit.adding} would pass its quota of ${limit.max}. Submit again as earlier batches finish.`,
    { limit: limit.max, queued: unfinished, received: limit.adding },
  );
}
