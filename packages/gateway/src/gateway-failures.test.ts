import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { GatewayError } from './gateway-error.ts';
import { callerFault, toGatewayError, upstreamFailureKind } from './gateway-failures.ts';

const apiError = (status: number, message: string) =>
  OpenAI.APIError.generate(status, { error: { message } }, message, new Headers());

describe('what an upstream failure means', () => {
  it("passes the caller's own mistakes back as 400, a context overflow under its own code", () => {
    expect(callerFault(apiError(400, 'temperature must be at most 2'))).toMatchObject({
      kind: 'invalid_request',
      status: 400,
      message: 'temperature must be at most 2',
    });
    const vllm =
      "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens (4000 in the messages, 1000 in the completion).";
    expect(callerFault(apiError(400, vllm))).toMatchObject({
      kind: 'context_length_exceeded',
      param: 'messages',
    });
    expect(callerFault(apiError(401, 'bad key'))).toMatchObject({
      kind: 'upstream_error',
      status: 502,
    });
  });

  it('leaves failures of the server itself to the fallback chain', () => {
    expect(callerFault(apiError(503, 'server busy'))).toBeUndefined();
    expect(callerFault(apiError(404, 'model not found'))).toBeUndefined();
    expect(upstreamFailureKind(apiError(500, 'CUDA error: out of memory'))).toBe('oom');
    expect(
      upstreamFailureKind(
        Object.assign(new Error('x'), { cause: { code: 'UND_ERR_HEADERS_TIMEOUT' } }),
      ),
    ).toBe('timeout');
    expect(
      upstreamFailureKind(Object.assign(new Error('x'), { code: 'UND_ERR_CONNECT_TIMEOUT' })),
    ).toBe('unavailable');
  });

  it('turns a late failure into a gateway error the surfaces can render', () => {
    const kept = new GatewayError('unavailable', 'busy', { retryAfterS: 3 });
    expect(toGatewayError(kept)).toBe(kept);
    expect(
      toGatewayError(Object.assign(new Error('x'), { code: 'UND_ERR_BODY_TIMEOUT' })),
    ).toMatchObject({
      kind: 'timeout',
      status: 504,
    });
    expect(toGatewayError(new Error('llama runner process has terminated'))).toMatchObject({
      kind: 'upstream_error',
      status: 502,
    });
  });
});
