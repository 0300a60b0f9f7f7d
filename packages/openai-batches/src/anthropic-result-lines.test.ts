import type { DocumentResult } from '@nightshift/core';
import { describe, expect, it } from 'vitest';
import { anthropicBatchResult, anthropicResultLine } from './anthropic-result-lines.ts';

const usage = { promptTokens: 0, completionTokens: 0 };
const result = (fields: Partial<DocumentResult>): DocumentResult => ({
  documentId: 'r1',
  status: 'failed',
  model: null,
  usage,
  ...fields,
});

describe('a Message Batch request as its result line', () => {
  it('is errored with Anthropic error types for failures recorded without an answer', () => {
    const cases: [string, string][] = [
      ['unavailable', 'overloaded_error'],
      ['timeout', 'timeout_error'],
      ['upstream_error', 'api_error'],
      ['response_too_large', 'api_error'],
      ['worker_lost', 'api_error'],
      ['invalid_request', 'invalid_request_error'],
    ];
    for (const [code, type] of cases)
      expect(anthropicBatchResult(result({ error: { code, message: `m ${code}` } }))).toEqual({
        type: 'errored',
        error: { type: 'error', error: { type, message: `m ${code}` } },
      });
  });

  it('keeps the error body the runner wrote, and the whole message of a success', () => {
    const body = { type: 'error', error: { type: 'not_found_error', message: 'no model' } };
    const response = { statusCode: 404, requestId: 'req_1', body };
    expect(anthropicBatchResult(result({ response }))).toEqual({ type: 'errored', error: body });
    const message = { type: 'message', content: [{ type: 'text', text: 'hi' }] };
    expect(
      JSON.parse(
        anthropicResultLine(
          result({
            status: 'succeeded',
            response: { statusCode: 200, requestId: 'req_1', body: message },
          }),
        ),
      ),
    ).toEqual({ custom_id: 'r1', result: { type: 'succeeded', message } });
  });

  it('is canceled or expired for a request that never ran to its end', () => {
    expect(anthropicBatchResult(result({ status: 'cancelled' }))).toEqual({ type: 'canceled' });
    for (const status of ['expired', 'queued', 'running'] as const)
      expect(anthropicBatchResult(result({ status }))).toEqual({ type: 'expired' });
  });
});
