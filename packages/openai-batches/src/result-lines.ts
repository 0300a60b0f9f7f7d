import { createHash } from 'node:crypto';
import type { DocumentResult } from '@nightshift/core';

/** A request's ids, the same each time they are derived: OpenAI's `id` and `request_id`. */
export function requestIds(batchId: string, customId: string) {
  const digest = createHash('sha256').update(`${batchId}\0${customId}`).digest('hex').slice(0, 24);
  return { id: `batch_req_${digest}`, requestId: `req_${digest}` };
}

/** Whether a request's result belongs in the output file (an answer with a 2xx status). */
export const isOutputLine = (result: DocumentResult) =>
  result.status === 'succeeded' &&
  result.response !== undefined &&
  result.response.statusCode >= 200 &&
  result.response.statusCode < 300;

const stopped: Record<string, { code: string; message: string }> = {
  expired: {
    code: 'batch_expired',
    message: 'This request could not be executed before the completion window expired.',
  },
  cancelled: { code: 'batch_cancelled', message: 'This request was cancelled with its batch.' },
  queued: { code: 'batch_expired', message: 'This request never ran.' },
  running: { code: 'batch_expired', message: 'This request never finished.' },
};

/**
 * One line of a batch's output or error file, in OpenAI's shape:
 * `{id, custom_id, response: {status_code, request_id, body} | null, error: {code, message} | null}`.
 */
export function resultLine(batchId: string, result: DocumentResult): string {
  const ids = requestIds(batchId, result.documentId);
  const response = result.response
    ? {
        status_code: result.response.statusCode,
        request_id: result.response.requestId,
        body: result.response.body,
      }
    : null;
  const error = isOutputLine(result)
    ? null
    : response
      ? null
      : (result.error ??
        stopped[result.status] ?? { code: 'request_failed', message: 'The request failed.' });
  return `${JSON.stringify({ id: ids.id, custom_id: result.documentId, response, error })}\n`;
}

/**
 * The lines of one result file (output: `wanted` true; errors: false) as byte chunks of about
 * 64 KiB, read from the batch's results page by page: a 50,000-line file never sits in memory.
 */
export async function* resultFileChunks(
  batchId: string,
  results: AsyncIterable<DocumentResult>,
  wanted: boolean,
): AsyncGenerator<Buffer> {
  let pending = '';
  for await (const result of results) {
    if (isOutputLine(result) !== wanted) continue;
    pending += resultLine(batchId, result);
    if (pending.length >= 64 * 1024) {
      yield Buffer.from(pending);
      pending = '';
    }
  }
  if (pending) yield Buffer.from(pending);
}
