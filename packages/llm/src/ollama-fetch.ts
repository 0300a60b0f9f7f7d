import { STATUS_CODES } from 'node:http';
import { request } from 'undici';

/**
 * The `fetch` handed to the `ollama` client: one call's request through undici's `request()`
 * (keep-alive pool, no WHATWG streams), carrying that call's `signal` for timeout and
 * cancellation. The client only reads `ok`, `status`, `statusText`, `headers.get()`, `json()`
 * and `text()` of what it gets back, and never streams here (see `createOllamaProvider`), so a
 * full `Response` with a web stream body per call is cost without use: on a busy worker the
 * global fetch was a fifth of the CPU per document.
 *
 * @example
 * const client = new Ollama({ host, fetch: ollamaFetch(deadline.signal) });
 */
export function ollamaFetch(signal: AbortSignal): typeof fetch {
  const send = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = input instanceof Request ? input.url : input;
    const answer = await request(url, {
      method: (init?.method ?? 'GET') as 'GET',
      headers: (init?.headers ?? {}) as Record<string, string>,
      body: (init?.body ?? null) as string | null,
      signal,
      // An unstreamed answer sends its headers only when generation ends: undici's own 300 s
      // limits would cut a long one short. The call's deadline (`signal`) is the only limit.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    const contentType = answer.headers['content-type'];
    const response = {
      ok: answer.statusCode >= 200 && answer.statusCode < 300,
      status: answer.statusCode,
      statusText: STATUS_CODES[answer.statusCode] ?? '',
      headers: new Headers(typeof contentType === 'string' ? { 'content-type': contentType } : {}),
      json: () => answer.body.json(),
      text: () => answer.body.text(),
    };
    return response as unknown as Response;
  };
  return send as typeof fetch;
}
