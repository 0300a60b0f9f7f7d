import type { DocumentResult } from '@nightshift/core';

/** Anthropic's error types, as a Message Batch's `errored` results name them. */
export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'timeout_error'
  | 'api_error'
  | 'overloaded_error';

/** Anthropic's error body: `{type: "error", error: {type, message}}`. */
export interface AnthropicErrorBody {
  type: 'error';
  error: { type: AnthropicErrorType; message: string };
}

/** The result of one request, as a line of `GET /v1/messages/batches/{id}/results` has it. */
export type AnthropicBatchResult =
  | { type: 'succeeded'; message: unknown }
  | { type: 'errored'; error: AnthropicErrorBody }
  | { type: 'canceled' }
  | { type: 'expired' };

/**
 * The Anthropic error type of a failure the worker recorded without an answer: the gateway's
 * kinds after every attempt (`unavailable`, `timeout`, `upstream_error`), or what a line could
 * not keep (`response_too_large`, `batch_output_too_large`) or never read (`input_file_gone`).
 */
const typeOfCode: Record<string, AnthropicErrorType> = {
  invalid_request: 'invalid_request_error',
  context_length_exceeded: 'invalid_request_error',
  model_not_found: 'not_found_error',
  unavailable: 'overloaded_error',
  timeout: 'timeout_error',
};

/** An Anthropic error body of `type` and `message`. */
export const anthropicErrorBody = (
  type: AnthropicErrorType,
  message: string,
): AnthropicErrorBody => ({ type: 'error', error: { type, message } });

/**
 * One request's result in Anthropic's shape. A request the batch never ran or finished ends
 * `expired` (or `canceled` with a cancelled batch); an answer that is not a 2xx carries the
 * Anthropic error body the runner wrote; a failure without one gets an error body here.
 */
export function anthropicBatchResult(result: DocumentResult): AnthropicBatchResult {
  const { response } = result;
  if (result.status === 'cancelled') return { type: 'canceled' };
  if (result.status === 'succeeded' && response && response.statusCode < 300)
    return { type: 'succeeded', message: response.body };
  if (result.status !== 'failed' && result.status !== 'succeeded') return { type: 'expired' };
  if (response && isErrorBody(response.body)) return { type: 'errored', error: response.body };
  const code = result.error?.code ?? 'request_failed';
  return {
    type: 'errored',
    error: anthropicErrorBody(
      typeOfCode[code] ?? 'api_error',
      result.error?.message ?? 'The request failed.',
    ),
  };
}

/** A line of the results file: `{custom_id, result}` and its newline. */
export const anthropicResultLine = (result: DocumentResult) =>
  `${JSON.stringify({ custom_id: result.documentId, result: anthropicBatchResult(result) })}\n`;

/** The results as JSONL byte chunks of about 64 KiB, read page by page from the batch's results. */
export async function* anthropicResultChunks(
  results: AsyncIterable<DocumentResult>,
): AsyncGenerator<Uint8Array> {
  let pending = '';
  for await (const result of results) {
    pending += anthropicResultLine(result);
    if (pending.length >= 64 * 1024) {
      yield Buffer.from(pending);
      pending = '';
    }
  }
  if (pending) yield Buffer.from(pending);
}

function isErrorBody(body: unknown): body is AnthropicErrorBody {
  const error = (body as { type?: unknown; error?: { type?: unknown } } | null) ?? null;
  return error?.type === 'error' && typeof error.error?.type === 'string';
}
