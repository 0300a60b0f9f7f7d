import { anthropicMessagesBodySchema } from '@nightshift/core';
import {
  type AnthropicMessagesBody,
  anthropicMessagesCall,
  type GatewayError,
  publicGatewayError,
} from '@nightshift/gateway';
import { paramsProblem } from './anthropic-batch-input.ts';
import { type AnthropicErrorType, anthropicErrorBody } from './anthropic-result-lines.ts';
import {
  type BatchRequestAnswer,
  type BatchRequestContext,
  RetryableRequestError,
} from './batch-request-runner.ts';

/** Kinds of gateway failure another attempt may cure: thrown for the queue to retry. */
const retryable = new Set<GatewayError['kind']>(['unavailable', 'timeout', 'upstream_error']);

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
  try {
    const answer = await gateway.open<unknown>(
      anthropicMessagesCall(clients, body, { tenant, signal }) as never,
    );
    let whole: unknown;
    for await (const piece of answer.pieces) whole = piece;
    const usage = (whole as { usage?: { input_tokens?: number; output_tokens?: number } })?.usage;
    return {
      statusCode: 200,
      body: whole,
      model: answer.model,
      degraded: answer.degraded,
      usage: {
        promptTokens: usage?.input_tokens ?? 0,
        completionTokens: usage?.output_tokens ?? 0,
      },
    };
  } catch (failure) {
    if (signal.aborted) throw failure;
    // A local fault is the gateway's (`internal`): answered once, never retried upstream.
    const error = publicGatewayError(failure);
    if (retryable.has(error.kind)) throw new RetryableRequestError(error);
    return refused(error.status, errorTypeOf[error.kind], error.message);
  }
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
