import { STATUS_CODES } from 'node:http';
import { type Dispatcher, Pool } from 'undici';

/** What one model call's requests carry (see {@link ollamaFetch}). */
export interface OllamaCallLimits {
  /** The caller's cancellation. */
  signal?: AbortSignal;
  /**
   * Limit of each request: from the moment it is sent until its answer has started (an
   * unstreamed answer starts when generation ends), and again between the answer's pieces.
   * undici checks it about every half second. 0 or absent: none. A request it cuts short fails
   * with {@link isCallTimeout} true.
   */
  timeoutMs?: number;
}

/**
 * The `fetch` handed to the `ollama` client: one call's request on undici's keep-alive `Pool`
 * for the model server (no WHATWG streams), carrying that call's cancellation and time limit.
 * The client only reads `ok`, `status`, `statusText`, `headers.get()`, `json()` and `text()` of
 * what it gets back, and never streams here (see `createOllamaProvider`), so a full `Response`
 * with a web stream body per call is cost without use: on a busy worker the global fetch was a
 * fifth of the CPU per document. The limit is undici's own request timer rather than a timer
 * and an `AbortController` of ours per call: on a busy worker those were ~4% of the CPU per
 * document.
 *
 * @example
 * const client = new Ollama({ host, fetch: ollamaFetch({ signal, timeoutMs: 120_000 }) });
 */
export function ollamaFetch(limits: OllamaCallLimits): typeof fetch {
  const timeout = limits.timeoutMs ?? 0;
  // Returned unnamed: tsx keeps function names, and naming a closure made per call costs a
  // property definition each time.
  return (async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const { origin, path } = targetOf(input instanceof Request ? input.url : String(input));
    const answer = await poolFor(origin).request({
      path,
      method: (init?.method ?? 'GET') as 'GET',
      headers: (init?.headers ?? {}) as Record<string, string>,
      body: (init?.body ?? null) as string | null,
      signal: limits.signal ?? null,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    return new OllamaAnswer(answer) as unknown as Response;
  }) as typeof fetch;
}

/** True for the error of a request {@link OllamaCallLimits.timeoutMs} cut short. */
export function isCallTimeout(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
}

/**
 * One keep-alive pool per model server (the configured hosts: a handful), used directly: the
 * global dispatcher's extra layers (agent lookup, interceptors) cost more per call than the
 * call's own request handling here. Idle sockets do not keep the process alive.
 */
const pools = new Map<string, Pool>();
function poolFor(origin: string): Pool {
  let pool = pools.get(origin);
  if (!pool) {
    // Unstreamed answers send their headers only when generation ends: undici's default
    // timeouts (300 s) are off here; each request sets its call's own limit.
    pool = new Pool(origin, { headersTimeout: 0, bodyTimeout: 0 });
    pools.set(origin, pool);
  }
  return pool;
}

/** The client asks for a handful of URLs (one host, a few endpoints): each is parsed once. */
const targets = new Map<string, { origin: string; path: string }>();
function targetOf(href: string): { origin: string; path: string } {
  let target = targets.get(href);
  if (!target) {
    const url = new URL(href);
    target = { origin: url.origin, path: `${url.pathname}${url.search}` };
    if (targets.size >= 64) targets.clear();
    targets.set(href, target);
  }
  return target;
}

/** The part of `Headers` the client reads (`get`), without building a WHATWG `Headers` per call. */
class AnswerHeaders {
  readonly #headers: Record<string, string | string[] | undefined>;

  constructor(headers: Record<string, string | string[] | undefined>) {
    this.#headers = headers;
  }

  get(name: string): string | null {
    const value = this.#headers[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }
}

/** The part of a `Response` the `ollama` client reads, over undici's answer (no closures per call). */
class OllamaAnswer {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly headers: AnswerHeaders;
  readonly #body: Dispatcher.ResponseData['body'];

  constructor(answer: Dispatcher.ResponseData) {
    this.status = answer.statusCode;
    this.ok = answer.statusCode >= 200 && answer.statusCode < 300;
    this.statusText = STATUS_CODES[answer.statusCode] ?? '';
    this.headers = new AnswerHeaders(answer.headers);
    this.#body = answer.body;
  }

  json(): Promise<unknown> {
    return this.#body.json();
  }

  text(): Promise<string> {
    return this.#body.text();
  }
}
