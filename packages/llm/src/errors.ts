/**
 * Failure kinds of a model call, and the classification that turns whatever a client threw
 * (ollama's ResponseError, openai's APIError, an abort, a streamed `{"error":…}` line, a refused
 * connection) into one of them. The kind decides what the model chain does next.
 */

/**
 * - `oom`: the GPU could not hold the model or its KV cache (CUDA out of memory, load failure).
 * - `missing`: the model is not on that server (404, not pulled).
 * - `busy`: the server's queue is full or it rate-limits (503, 429).
 * - `timeout`: no answer within the provider's `timeoutMs`.
 * - `unavailable`: server unreachable, or its runner crashed mid-answer (5xx that is not OOM).
 * - `aborted`: the caller's signal cancelled the call.
 * - `bad_request`: the request itself is wrong (400, 401, 403, 422); another model will not help.
 * - `unknown`: anything else.
 */
export type LlmErrorKind =
  | 'oom'
  | 'missing'
  | 'busy'
  | 'timeout'
  | 'unavailable'
  | 'aborted'
  | 'bad_request'
  | 'unknown';

/**
 * Kinds after which a chain moves on to the next target (and that count against a breaker).
 *
 * @example
 * if (fallbackKinds.has(classifyLlmError(err))) tryNextModel();
 */
export const fallbackKinds: ReadonlySet<LlmErrorKind> = new Set([
  'oom',
  'missing',
  'busy',
  'timeout',
  'unavailable',
]);

/** Options of {@link LlmError}. */
export interface LlmErrorOptions {
  /** The original error. */
  cause?: unknown;
  /** HTTP status, when the server answered. */
  status?: number;
  /** Model the call was for. */
  model?: string;
}

/**
 * A classified failure of a model call; every provider throws this.
 *
 * @example
 * try { await provider.complete(req) } catch (err) {
 *   if (err instanceof LlmError && err.kind === 'oom') { … }
 * }
 */
export class LlmError extends Error {
  override readonly name = 'LlmError';
  /** What went wrong, see {@link LlmErrorKind}. */
  readonly kind: LlmErrorKind;
  /** HTTP status, when the server answered. */
  readonly status: number | undefined;
  /** Model the call was for. */
  readonly model: string | undefined;

  constructor(kind: LlmErrorKind, message: string, options: LlmErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.kind = kind;
    this.status = options.status;
    this.model = options.model;
  }
}

const oomPattern =
  /out of memory|\bOOM\b|cudaMalloc failed|unable to allocate|requires more system memory|insufficient (?:V?RAM|memory)|failed to allocate/i;
const busyPattern = /server busy|maximum pending requests|too many requests|overloaded/i;
const missingPattern = /not found, try pulling|model ['"][^'"]*['"] not found|model not found/i;
const crashPattern =
  /error was encountered while running the model|llama runner process has terminated|runner process no longer running|unexpected EOF|connection (?:refused|reset)|socket hang up|fetch failed|other side closed/i;
/** The connection failed, so nothing answered (a server going away closes its keep-alive sockets). */
const connectionCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

// Functions too: a class's `name` sits on its constructor (`err.constructor.name`).
function field(value: unknown, key: string): unknown {
  return value !== null && (typeof value === 'object' || typeof value === 'function')
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/** HTTP status carried by ollama's ResponseError (`status_code`) or openai's APIError (`status`). */
export function statusOf(err: unknown): number | undefined {
  const status = field(err, 'status_code') ?? field(err, 'status');
  return typeof status === 'number' ? status : undefined;
}

function byStatus(status: number, message: string): LlmErrorKind {
  if (status === 404) return 'missing';
  if (status === 503 || status === 429) return 'busy';
  if (status === 408 || status === 504) return 'timeout';
  if (status === 400 || status === 401 || status === 403 || status === 413 || status === 422) {
    return 'bad_request';
  }
  if (status >= 500) return oomPattern.test(message) ? 'oom' : 'unavailable';
  return 'unknown';
}

function byMessage(message: string): LlmErrorKind | undefined {
  if (oomPattern.test(message)) return 'oom';
  if (busyPattern.test(message)) return 'busy';
  if (missingPattern.test(message)) return 'missing';
  if (crashPattern.test(message)) return 'unavailable';
  return undefined;
}

/**
 * Classifies any error thrown by a model call.
 *
 * @example
 * classifyLlmError(new Error('server busy, please try again.  maximum pending requests exceeded')) // 'busy'
 */
export function classifyLlmError(err: unknown): LlmErrorKind {
  if (err instanceof LlmError) return err.kind;
  const name = String(field(err, 'name') ?? '');
  const message = String(field(err, 'message') ?? err ?? '');
  const constructorName = String(field(field(err, 'constructor'), 'name') ?? '');
  if (name === 'TimeoutError' || constructorName === 'APIConnectionTimeoutError') return 'timeout';
  if (name === 'AbortError' || constructorName === 'APIUserAbortError') return 'aborted';
  // The JSON body of an error status is more precise than the status (a 500 may be an OOM).
  const status = statusOf(err);
  if (status !== undefined) return byStatus(status, message);
  // A streamed {"error": …} line reaches us as a plain Error carrying only the message.
  const fromMessage = byMessage(message);
  if (fromMessage) return fromMessage;
  const code = field(err, 'code') ?? field(field(err, 'cause'), 'code');
  if (typeof code === 'string' && connectionCodes.has(code)) return 'unavailable';
  if (constructorName === 'APIConnectionError') return 'unavailable';
  const cause = field(err, 'cause');
  if (cause !== undefined && cause !== err) {
    const inner = classifyLlmError(cause);
    if (inner !== 'unknown') return inner;
  }
  return 'unknown';
}

/**
 * True when the call's connection failed and the server answered nothing: refused, host
 * unreachable or unknown, not accepted within the connect timeout, dropped by the other side,
 * or a port fetch will not dial (undici's `bad port`). Only such a failure says the whole
 * server is down; any answer from it (an HTTP status, 500 included; a streamed `{"error":…}`
 * line; silence past the read timeout on an accepted connection) is a failure of the model
 * that was asked, for that model's breaker and fallbacks.
 *
 * @example
 * if (isConnectFailure(err)) pool.markDown(upstream); else breakerOf(model).failed();
 */
export function isConnectFailure(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 6; depth++) {
    if (statusOf(e) !== undefined) return false;
    const code = field(e, 'code');
    if (code === 'UND_ERR_CONNECT_TIMEOUT') return true;
    if (typeof code === 'string' && connectionCodes.has(code)) return true;
    if (field(e, 'message') === 'bad port') return true;
    const cause = field(e, 'cause');
    if (cause === e) break;
    e = cause;
  }
  return false;
}

/** Wraps any error of a call into an {@link LlmError} (returns LlmErrors unchanged). */
export function toLlmError(err: unknown, context: { provider: string; model: string }): LlmError {
  if (err instanceof LlmError) return err;
  const kind = classifyLlmError(err);
  const detail = err instanceof Error ? err.message : String(err);
  return new LlmError(kind, `${context.provider} ${context.model}: ${detail}`, {
    cause: err,
    status: statusOf(err),
    model: context.model,
  });
}
