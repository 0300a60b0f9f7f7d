import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { classifyLlmError, isConnectFailure, LlmError } from './errors.ts';

/** Same shape as the ollama client's (unexported) ResponseError. */
class ResponseError extends Error {
  constructor(
    message: string,
    readonly status_code: number,
  ) {
    super(message);
    this.name = 'ResponseError';
  }
}

describe('classifyLlmError', () => {
  it.each([
    [
      new ResponseError('llama runner process has terminated: CUDA error: out of memory', 500),
      'oom',
    ],
    [
      new ResponseError(
        'model requires more system memory (21.3 GiB) than is available (9.1 GiB)',
        500,
      ),
      'oom',
    ],
    [new ResponseError('llama runner process has terminated: exit status 2', 500), 'unavailable'],
    [
      new ResponseError('server busy, please try again.  maximum pending requests exceeded', 503),
      'busy',
    ],
    [new ResponseError('model "qwen3:32b" not found, try pulling it first', 404), 'missing'],
    [new ResponseError('invalid options', 400), 'bad_request'],
    [new ResponseError('Too Many Requests', 429), 'busy'],
    [Object.assign(new Error('502 Bad Gateway'), { status: 502 }), 'unavailable'],
    // A streamed {"error": …} line becomes a plain Error with only the message.
    [
      new Error('an error was encountered while running the model: CUDA error: out of memory'),
      'oom',
    ],
    [new Error('an error was encountered while running the model: unexpected EOF'), 'unavailable'],
    [new Error('server busy, please try again.  maximum pending requests exceeded'), 'busy'],
    [new DOMException('The operation was aborted.', 'AbortError'), 'aborted'],
    [new DOMException('signal timed out', 'TimeoutError'), 'timeout'],
    [
      new TypeError('fetch failed', {
        cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
      }),
      'unavailable',
    ],
    [new LlmError('busy', 'already classified'), 'busy'],
    [new Error('something odd'), 'unknown'],
    ['a string', 'unknown'],
  ])('%s → %s', (err, kind) => {
    expect(classifyLlmError(err)).toBe(kind);
  });
});

describe('the openai client’s own errors', () => {
  it('reads a timeout as timeout and an abort as aborted (they decide breakers and fallbacks)', () => {
    expect(classifyLlmError(new OpenAI.APIConnectionTimeoutError())).toBe('timeout');
    expect(classifyLlmError(new OpenAI.APIUserAbortError())).toBe('aborted');
    expect(classifyLlmError(new OpenAI.APIConnectionError({ message: 'Connection error.' }))).toBe(
      'unavailable',
    );
  });
});

describe('isConnectFailure: only a server that never answered is down', () => {
  const refused = new TypeError('fetch failed', {
    cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
  });
  it.each([
    [refused, true],
    [new OpenAI.APIConnectionError({ message: 'Connection error.', cause: refused }), true],
    [new LlmError('unavailable', 'ollama qwen3:32b: fetch failed', { cause: refused }), true],
    [Object.assign(new Error('x'), { code: 'UND_ERR_CONNECT_TIMEOUT' }), true],
    [new TypeError('fetch failed', { cause: new Error('bad port') }), true],
    // The server answered: a failure of that model, not of the server.
    [new ResponseError('internal server error', 500), false],
    [new ResponseError('error loading model /models/blobs/sha256-1', 500), false],
    [new Error('an error was encountered while running the model: unexpected EOF'), false],
    [Object.assign(new Error('x'), { cause: { code: 'UND_ERR_HEADERS_TIMEOUT' } }), false],
    [new OpenAI.APIConnectionTimeoutError(), false],
  ])('%s → %s', (err, down) => {
    expect(isConnectFailure(err)).toBe(down);
  });
});
