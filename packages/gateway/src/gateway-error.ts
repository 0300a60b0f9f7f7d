/**
 * - `invalid_request`: the body is wrong (400); another model will not help.
 * - `model_not_found`: no upstream serves that model (404).
 * - `context_length_exceeded`: the prompt does not fit the model's context window (400).
 * - `unavailable`: no upstream can take the call now (503, with `retryAfterS`).
 * - `timeout`: the upstream went silent past the read timeout, or the call passed its total
 *   deadline (504 before the answer started).
 * - `upstream_error`: the upstream failed in a way the caller cannot fix (502).
 * - `internal`: the gateway itself failed on this request, before or beside the upstream (500);
 *   no upstream is blamed, and trying again will not help.
 */
export type GatewayErrorKind =
  | 'invalid_request'
  | 'model_not_found'
  | 'context_length_exceeded'
  | 'unavailable'
  | 'timeout'
  | 'upstream_error'
  | 'internal';

const statusOf: Record<GatewayErrorKind, number> = {
  invalid_request: 400,
  model_not_found: 404,
  context_length_exceeded: 400,
  unavailable: 503,
  timeout: 504,
  upstream_error: 502,
  internal: 500,
};

/** Options of {@link GatewayError}. */
export interface GatewayErrorOptions {
  /** The request field at fault (OpenAI's `param`). */
  param?: string;
  /** Seconds after which trying again may help (`Retry-After`). */
  retryAfterS?: number;
  cause?: unknown;
}

/**
 * A gateway failure the HTTP layer renders in the caller's dialect (OpenAI `{error:{…}}`, Ollama
 * `{error}`); `status` follows from the kind.
 *
 * @example
 * throw new GatewayError('model_not_found', "The model 'gpt-9' does not exist.", { param: 'model' });
 */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  readonly kind: GatewayErrorKind;
  readonly status: number;
  readonly param: string | undefined;
  readonly retryAfterS: number | undefined;

  constructor(kind: GatewayErrorKind, message: string, options: GatewayErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.kind = kind;
    this.status = statusOf[kind];
    this.param = options.param;
    this.retryAfterS = options.retryAfterS;
  }
}
