import { intervalProblem, type ScheduleSource } from '@nightshift/schedules';
import { type IntakeDocument, type IntakeLimits, intakeJson } from '../batch-intake.ts';
import { ProblemError } from '../problem.ts';

/** Limits of `POST /v1/batches` applied to a schedule's inline documents. */
export interface InlineSourceLimits {
  /** `NIGHTSHIFT_MAX_DOCUMENTS` and `NIGHTSHIFT_MAX_DOCUMENT_BYTES`. */
  limits: IntakeLimits;
  /**
   * The bytes-per-batch check of `POST /v1/batches` (`batchQuotas`, the tenant's override
   * first): throws the 413 `batch-too-large` problem.
   */
  checkBatchBytes: (tenant: string, documents: IntakeDocument[]) => Promise<unknown>;
}

/**
 * Checks a schedule's inline documents as `POST /v1/batches` checks a batch, since each fire
 * submits them again: more than `maxDocuments` is 413 `too-many-documents`, more bytes than
 * the batch limit 413 `batch-too-large`, a repeated id 422. A document the batch intake would
 * record as failed at once (over `maxDocumentBytes`, not a PDF, not UTF-8) is refused here with
 * a 422 naming it, because a schedule would keep it and fail it at every fire.
 *
 * @example
 * await checkInlineSource('acme', body.source, { limits, checkBatchBytes });
 */
export async function checkInlineSource(
  tenant: string,
  source: ScheduleSource | undefined,
  options: InlineSourceLimits,
): Promise<void> {
  if (source?.kind !== 'inline') return;
  let documents: IntakeDocument[];
  try {
    documents = intakeJson({ documents: source.documents }, options.limits).documents;
  } catch (error) {
    throw underSource(error);
  }
  const refused = documents.flatMap((d, index) =>
    'error' in d
      ? [{ field: `source.documents.${index}`, message: `${d.error.code}: ${d.error.message}` }]
      : [],
  );
  if (refused.length > 0) {
    const detail = refused.map((e) => `${e.field}: ${e.message}`).join('; ');
    throw new ProblemError(422, 'validation-error', detail, { errors: refused });
  }
  await options.checkBatchBytes(tenant, documents);
}

/**
 * A 422 naming `cron` when the schedule would fire more often than `minIntervalS` allows
 * (`NIGHTSHIFT_SCHEDULE_MIN_INTERVAL_S`), measured between consecutive fire times in its zone.
 */
export function checkInterval(cron: string, timeZone: string, minIntervalS: number, now: Date) {
  const message = intervalProblem(cron, timeZone, minIntervalS, now);
  if (message) {
    throw new ProblemError(422, 'validation-error', `cron: ${message}`, {
      errors: [{ field: 'cron', message }],
    });
  }
}

/** The batch intake names fields from the batch's root (`documents.1.id`); here they are under `source`. */
function underSource(error: unknown): unknown {
  if (!(error instanceof ProblemError) || !Array.isArray(error.extra.errors)) return error;
  const errors = error.extra.errors.map((e) => ({ ...e, field: `source.${e.field}` }));
  const detail = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
  return new ProblemError(error.status, error.slug, detail, { ...error.extra, errors });
}

/** A schedule body: 415 unless declared `application/json`, 400 unless it parses. */
export async function readScheduleJson(request: Request): Promise<unknown> {
  if (!(request.headers.get('content-type') ?? '').startsWith('application/json')) {
    throw new ProblemError(415, 'unsupported-media-type', 'Send the schedule as application/json.');
  }
  try {
    return await request.json();
  } catch {
    throw new ProblemError(400, 'malformed-json', 'The body is not valid JSON.');
  }
}

/** A 422 naming one field, with the route's own slug. */
export function fieldProblem(field: string, message: string, slug: string): ProblemError {
  return new ProblemError(422, slug, `${field}: ${message}`, { errors: [{ field, message }] });
}
