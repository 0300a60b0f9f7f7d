import { classifyLlmError, type LlmErrorKind, statusOfError } from '@nightshift/llm';
import { GatewayError } from './gateway-error.ts';

const contextPattern =
  /context length|context window|maximum context|too many tokens|prompt is too long/i;

const undiciKinds: Record<string, LlmErrorKind> = {
  UND_ERR_CONNECT_TIMEOUT: 'unavailable',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
};

function codeOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code in undiciKinds) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * What an upstream failure means for the gateway: the llm package's kinds (they decide whether
 * another upstream or a fallback model may help), with undici's own timers read first.
 */
export function upstreamFailureKind(err: unknown): LlmErrorKind {
  const code = codeOf(err);
  return code ? (undiciKinds[code] as LlmErrorKind) : classifyLlmError(err);
}

/** The message an upstream gave, without the client's status prefix (`400 …`). */
export function upstreamMessage(err: unknown): string {
  const error = (err as { error?: { message?: unknown; error?: { message?: unknown } } }).error;
  if (error && typeof error.message === 'string') return error.message;
  // Anthropic's body: {type: 'error', error: {type, message}}.
  if (error && typeof error.error?.message === 'string') return error.error.message;
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/^\d{3}\s+/, '');
}

/**
 * A failure the caller has to fix (the upstream said 4xx to this request), as the error the
 * gateway answers; undefined when the failure is about the upstream, not the request.
 */
export function callerFault(err: unknown): GatewayError | undefined {
  const status = statusOfError(err);
  if (status === undefined || status < 400 || status >= 500 || status === 404 || status === 429)
    return undefined;
  const message = upstreamMessage(err);
  if (status === 401 || status === 403)
    return new GatewayError(
      'upstream_error',
      `The model server refused the gateway's credentials (${status}).`,
    );
  if (contextPattern.test(message))
    return new GatewayError('context_length_exceeded', message, { param: 'messages', cause: err });
  return new GatewayError('invalid_request', message, { cause: err });
}

/** Any error out of a call, as the gateway answers it (a stream cut short, a late failure). */
export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  const fault = callerFault(err);
  if (fault) return fault;
  const kind = upstreamFailureKind(err);
  if (kind === 'timeout')
    return new GatewayError('timeout', 'The model server went silent past the read timeout.', {
      cause: err,
    });
  return new GatewayError('upstream_error', `The model server failed: ${upstreamMessage(err)}`, {
    cause: err,
  });
}
