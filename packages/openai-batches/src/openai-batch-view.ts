import type { StoredBatch } from '@nightshift/batches';
import type { BatchInputError } from './batch-input-validation.ts';

/** OpenAI's batch statuses. */
export type OpenAiBatchStatus =
  | 'validating'
  | 'failed'
  | 'in_progress'
  | 'finalizing'
  | 'completed'
  | 'expired'
  | 'cancelling'
  | 'cancelled';

/** The batch object of OpenAI's Batch API (timestamps in seconds). */
export interface OpenAiBatchObject {
  id: string;
  object: 'batch';
  endpoint: string;
  model: string | null;
  errors: { object: 'list'; data: BatchInputError[] } | null;
  input_file_id: string;
  completion_window: string;
  status: OpenAiBatchStatus;
  output_file_id: string | null;
  error_file_id: string | null;
  created_at: number;
  in_progress_at: number | null;
  expires_at: number | null;
  finalizing_at: number | null;
  completed_at: number | null;
  failed_at: number | null;
  expired_at: number | null;
  cancelling_at: number | null;
  cancelled_at: number | null;
  request_counts: { total: number; completed: number; failed: number };
  usage: {
    input_tokens: number;
    output_tokens: number;
    total_tokens: number;
    /**
     * Nightshift's addition: the batch's share of its servers' GPU busy time, seconds (the native
     * batch's `usage.gpuSeconds`; see the README's accounting section).
     */
    gpu_seconds: number;
    /** Nightshift's addition: the energy of those seconds, Wh; null where no server reports it. */
    energy_wh: number | null;
  };
  metadata: Record<string, string> | null;
}

/**
 * The OpenAI side of a batch, as its Redis hash holds it: what OpenAI's object has that the
 * native record has not (endpoint, input file, validation errors, result files, final status).
 */
export type OpenAiBatchFields = Record<string, string>;

const seconds = (value: string | number | null | undefined) =>
  value === null || value === undefined || value === ''
    ? null
    : Math.floor((typeof value === 'number' ? value : Date.parse(value) || Number(value)) / 1000);

/** The final OpenAI status a native final status ends as. */
export function finalOpenAiStatus(nativeStatus: string): 'completed' | 'expired' | 'cancelled' {
  if (nativeStatus === 'cancelled') return 'cancelled';
  if (nativeStatus === 'expired') return 'expired';
  // A batch whose every request failed is still `completed`: its error file says why.
  return 'completed';
}

/**
 * OpenAI's batch object from the OpenAI fields and the native batch they run as. The native
 * record may be gone (aged out) once the batch was finalized: the fields then carry what is
 * needed. Open: `in_progress`, or `cancelling` once a cancel was asked for. Native final but
 * result files not written yet: `finalizing`.
 */
export function toOpenAiBatch(f: OpenAiBatchFields, native: StoredBatch | null): OpenAiBatchObject {
  const batch = native?.batch;
  const failed = Boolean(f.failedAt);
  let status: OpenAiBatchStatus;
  if (failed) status = 'failed';
  else if (f.finalStatus) status = f.finalStatus as OpenAiBatchStatus;
  else if (batch?.completedAt) status = 'finalizing';
  else if (native?.cancelRequested) status = 'cancelling';
  else status = 'in_progress';
  const finalizedAt = seconds(f.finalizedAt);
  const counts = batch?.counts;
  const usage = batch?.usage ?? {
    promptTokens: Number(f.promptTokens ?? 0),
    completionTokens: Number(f.completionTokens ?? 0),
    gpuSeconds: Number(f.gpuSeconds ?? 0),
    energyWh: f.energyWh ? Number(f.energyWh) : null,
  };
  return {
    id: f.id as string,
    object: 'batch',
    endpoint: f.endpoint ?? '',
    model: f.model || null,
    errors: f.errors ? { object: 'list', data: JSON.parse(f.errors) } : null,
    input_file_id: f.inputFileId ?? '',
    completion_window: f.completionWindow ?? '24h',
    status,
    output_file_id: f.outputFileId || null,
    error_file_id: f.errorFileId || null,
    created_at: seconds(Number(f.createdAt)) as number,
    in_progress_at: failed ? null : seconds(Number(f.createdAt)),
    expires_at: seconds(batch?.expiresAt ?? f.expiresAt),
    finalizing_at: seconds(batch?.completedAt ?? f.nativeCompletedAt),
    completed_at: status === 'completed' ? finalizedAt : null,
    failed_at: failed ? seconds(Number(f.failedAt)) : null,
    expired_at: status === 'expired' ? finalizedAt : null,
    cancelling_at: seconds(batch?.cancelledAt ?? f.cancelledAt),
    cancelled_at: status === 'cancelled' ? finalizedAt : null,
    request_counts: counts
      ? { total: counts.total, completed: counts.succeeded, failed: counts.failed + counts.expired }
      : {
          total: Number(f.total ?? 0),
          completed: Number(f.completed ?? 0),
          failed: Number(f.failedCount ?? 0),
        },
    usage: {
      input_tokens: usage.promptTokens,
      output_tokens: usage.completionTokens,
      total_tokens: usage.promptTokens + usage.completionTokens,
      gpu_seconds: usage.gpuSeconds,
      energy_wh: usage.energyWh,
    },
    metadata: f.metadata ? JSON.parse(f.metadata) : null,
  };
}
