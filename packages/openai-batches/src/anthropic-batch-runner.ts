import { anthropicMessagesBodySchema } from '@nightshift/core';
import {
  type AnthropicMessagesBody,
  anthropicMessagesCall,
  type GatewayCall,
  type GatewayError,
} from '@nightshift/gateway';
import { paramsProblem } from './anthropic-batch-input.ts';
import { type AnthropicErrorType, anthropicErrorBody } from './anthropic-result-lines.ts';
import {
  type BatchRequestAnswer,
  type BatchRequestContext,
  runWhole,
} from './batch-request-runner.ts';

/** The Anthropic error type of a gateway failure a request's answer carries. */
const errorTypeOf: Record<GatewayError['kind'], AnthropicErrorType> = {
  invalid_request: 'invalid_request_error',
  model_not_found: 'not_found_error',
  context_length_exceeded: 'invalid_request_error',
  unavailable: 'overloaded_error',
  timeout: 'timeout_error',
  upstream_error: 'api_error',
  internal: 'api_error',
};

/**
 * Runs one request of an Anthropic Message Batch through the gateway, as
 * `POST /anthropic/v1/messages` would unstreamed: passed through to an upstream that speaks
 * Anthropic, translated for the others. The answer is the whole `Message`; a failure the
 * request itself causes (bad params, unknown model, prompt past the context) is answered with
 * its status and Anthropic's error body, and one another attempt may cure throws
 * {@link RetryableRequestError}.
 *
 * @example
 * const answer = await runAnthropicBatchRequest(params, { gateway, clients, tenant, signal });
 */
export async function runAnthropicBatchRequest(
  params: Record<string, unknown>,
  context: BatchRequestContext,
): Promise<BatchRequestAnswer> {
  const { gateway, clients, tenant, signal } = context;
  // The API checked the params; this holds for lines written before a schema change.
  const parsed = anthropicMessagesBodySchema.safeParse(params);
  if (!parsed.success)
    return refused(400, 'invalid_request_error', paramsProblem(params) ?? 'invalid params');
  const body = { ...(parsed.data as AnthropicMessagesBody), stream: false };
  const call = anthropicMessagesCall(clients, body, { tenant, signal });
  if (context.account) call.account = context.account;
  const outcome = await runWhole(gateway, call as GatewayCall<unknown>, signal);
  if (outcome.answer) return outcome.answer;
  const { error } = outcome;
  return refused(error.status, errorTypeOf[error.kind], error.message);
}

function refused(
  statusCode: number,
  type: AnthropicErrorType,
  message: string,
): BatchRequestAnswer {
  return {
    statusCode,
    body: anthropicErrorBody(type, message),
    model: null,
    degraded: false,
    usage: { promptTokens: 0, completionTokens: 0 },
  };
}
