/**
 * Failures of the gateway's own code on one request, told apart from the model server's: a
 * stack overflow serializing a body, a bug. They are nobody upstream's fault, so they open no
 * breaker, mark no server down, try no fallback, and are not retried (another attempt fails
 * the same way).
 */
import { GatewayError } from './gateway-error.ts';

/**
 * True for an error the JavaScript engine raised in local code: `RangeError` (the stack, an
 * array or string length) and `ReferenceError`. Network failures reach the gateway as the
 * clients' own errors (`APIConnectionError`, a `TypeError` with a `cause`), never as these.
 */
export function isLocalFault(err: unknown): err is Error {
  return err instanceof RangeError || err instanceof ReferenceError;
}

/** A local fault as the caller reads it: 500, `internal`, with the engine's message. */
export function localFault(err: Error): GatewayError {
  return new GatewayError(
    'internal',
    `The gateway failed on this request itself (${err.message}); no model server was at fault.`,
    { cause: err },
  );
}
