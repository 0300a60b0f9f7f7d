import type { StoredBatch } from '@nightshift/batches';

/** Anthropic's processing statuses of a Message Batch. */
export type AnthropicBatchStatus = 'in_progress' | 'canceling' | 'ended';

/** The Message Batch object of Anthropic's Message Batches API (timestamps as RFC 3339). */
export interface AnthropicBatchObject {
  id: string;
  type: 'message_batch';
  processing_status: AnthropicBatchStatus;
  request_counts: {
    processing: number;
    succeeded: number;
    errored: number;
    canceled: number;
    expired: number;
  };
  created_at: string;
  ended_at: string | null;
  expires_at: string;
  archived_at: string | null;
  cancel_initiated_at: string | null;
  results_url: string | null;
}

/** How Anthropic's ids of Message Batches look here: `msgbatch_` and the native id's 26 chars. */
export const messageBatchIdPattern = /^msgbatch_[0-9a-hjkmnp-tv-z]{26}$/;

/**
 * A Message Batch is a native batch under another name: `msgbatch_X` is `batch_X` (the same
 * 26 chars), so the native surface, the webhook events (`data.id`) and the worker all know it.
 */
export const nativeBatchId = (messageBatchId: string) =>
  messageBatchId.replace(/^msgbatch_/, 'batch_');
/** {@link nativeBatchId}'s inverse. */
export const messageBatchId = (nativeId: string) => nativeId.replace(/^batch_/, 'msgbatch_');

/**
 * Anthropic's batch object from the native batch it runs as. Counts are live (Anthropic's own
 * stay at `processing` until the end): a request moves out of `processing` when it ends, and
 * their sum is always the batch's total. `results_url` is set once the batch has ended, from
 * `resultsUrl` (the absolute address the caller reaches this API at).
 */
export function toAnthropicBatch(
  native: StoredBatch,
  resultsUrl: (messageBatchId: string) => string,
): AnthropicBatchObject {
  const { batch } = native;
  const id = messageBatchId(batch.id);
  const ended = Boolean(batch.completedAt);
  const { counts } = batch;
  return {
    id,
    type: 'message_batch',
    processing_status: ended ? 'ended' : native.cancelRequested ? 'canceling' : 'in_progress',
    request_counts: {
      processing: counts.queued + counts.running,
      succeeded: counts.succeeded,
      errored: counts.failed,
      canceled: counts.cancelled,
      expired: counts.expired,
    },
    created_at: batch.createdAt,
    ended_at: batch.completedAt,
    expires_at: batch.expiresAt,
    archived_at: null,
    cancel_initiated_at: native.cancelRequested ? batch.cancelledAt : null,
    results_url: ended ? resultsUrl(id) : null,
  };
}
