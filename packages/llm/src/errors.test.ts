import { describe, expect, it } from 'vitest';
import { classifyLlmError, LlmError } from './errors.ts';

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
