import {
  type Gateway,
  type GatewayCall,
  type GatewayError,
  type OpenAiChatBody,
  type OpenAiCompletionsBody,
  type OpenAiEmbeddingsBody,
  openAiChatCall,
  openAiCompletionsCall,
  openAiEmbeddingsCall,
  publicGatewayError,
  type UpstreamClients,
} from '@nightshift/gateway';
import type { BatchEndpoint } from './batch-input-validation.ts';

/** A request line's answer: what the output or error file says of it. */
export interface BatchRequestAnswer {
  statusCode: number;
  body: unknown;
  /** The model that answered (null when none did). */
  model: string | null;
  degraded: boolean;
  usage: { promptTokens: number; completionTokens: number };
}

/** Options of {@link runBatchRequest}. */
export interface BatchRequestContext {
  /** Only `open` is used: a view that pins calls to one server (the cold lane's places) fits. */
  gateway: Pick<Gateway, 'open'>;
  clients: UpstreamClients;
  tenant: string;
  /** Aborts the upstream call (the worker is stopping, the batch was cancelled). */
  signal: AbortSignal;
  /** What the line's GPU time and energy are charged to: `cold`, its batch and document. */
  account?: GatewayCall<unknown>['account'];
}

/**
 * Kinds of gateway failure another attempt may cure (no server up, the server silent or broken):
 * they are thrown for the queue to retry; the others (the request's own fault, or `internal`:
 * the gateway's, which another attempt repeats) are answered.
 */
const retryable = new Set<GatewayError['kind']>(['unavailable', 'timeout', 'upstream_error']);

/** Thrown for a failure another attempt may cure; its `gatewayError` says what went wrong. */
export class RetryableRequestError extends Error {
  override readonly name = 'RetryableRequestError';
  constructor(readonly gatewayError: GatewayError) {
    super(gatewayError.message, { cause: gatewayError });
  }
}

/**
 * Runs one batch line through the gateway, as the interactive surface would (the body goes to
 * the upstream as written, `response_format` included, with the model the gateway chose).
 * A failure the request itself causes (bad body, unknown model, prompt too long) is answered
 * with OpenAI's status and error body; one another attempt may cure throws
 * {@link RetryableRequestError}.
 *
 * @example
 * const answer = await runBatchRequest('/v1/embeddings', body, { gateway, clients, tenant, signal });
 */
export async function runBatchRequest(
  endpoint: BatchEndpoint,
  body: Record<string, unknown>,
  context: BatchRequestContext,
): Promise<BatchRequestAnswer> {
  const { gateway, clients, tenant, signal } = context;
  const call =
    endpoint === '/v1/embeddings'
      ? openAiEmbeddingsCall(clients, body as OpenAiEmbeddingsBody, { tenant, signal })
      : endpoint === '/v1/completions'
        ? openAiCompletionsCall(clients, body as OpenAiCompletionsBody, { tenant, signal })
        : openAiChatCall(
            clients,
            { ...(body as OpenAiChatBody), stream: false },
            { tenant, signal },
          );
  if (context.account) call.account = context.account;
  const outcome = await runWhole(gateway, call as GatewayCall<unknown>, signal);
  if (outcome.answer) return outcome.answer;
  const { error } = outcome;
  return refused(
    error.status,
    error.message,
    error.kind === 'invalid_request' ? null : error.kind,
    error.param ?? null,
  );
}

/**
 * Runs `call` to its whole answer, with the tokens the call itself reads from it (its
 * `usage`), for any batch dialect. A failure another attempt may cure throws
 * {@link RetryableRequestError}; the others (the request's own fault, or `internal`: a local
 * fault such as a stack overflow serializing the body, never retried against the model server)
 * come back for the caller to answer in its dialect.
 *
 * @example
 * const outcome = await runWhole(gateway, anthropicMessagesCall(clients, body, context), signal);
 * if (!outcome.answer) return refusedInMyDialect(outcome.error);
 */
export async function runWhole<T>(
  gateway: Pick<Gateway, 'open'>,
  call: GatewayCall<T>,
  signal: AbortSignal,
): Promise<
  { answer: BatchRequestAnswer; error?: never } | { answer?: never; error: GatewayError }
> {
  try {
    const answer = await gateway.open(call);
    let whole: T | undefined;
    for await (const piece of answer.pieces) whole = piece;
    const usage = whole === undefined ? undefined : call.usage(whole);
    return {
      answer: {
        statusCode: 200,
        body: whole,
        model: answer.model,
        degraded: answer.degraded,
        usage: usage ?? { promptTokens: 0, completionTokens: 0 },
      },
    };
  } catch (failure) {
    if (signal.aborted) throw failure;
    const error = publicGatewayError(failure);
    if (retryable.has(error.kind)) throw new RetryableRequestError(error);
    return { error };
  }
}

function refused(
  statusCode: number,
  message: string,
  code: string | null,
  param: string | null = null,
): BatchRequestAnswer {
  return {
    statusCode,
    body: {
      error: {
        message,
        type: statusCode >= 500 ? 'server_error' : 'invalid_request_error',
        param,
        code,
      },
    },
    model: null,
    degraded: false,
    usage: { promptTokens: 0, completionTokens: 0 },
  };
}
