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
  /**
   * How long a new connection to the server may take, ms; past it the request fails with
   * undici's `UND_ERR_CONNECT_TIMEOUT` (the server never took the call). Default 10 000.
   */
  connectTimeoutMs?: number;
}

/**
 * The `fetch` handed to the `ollama` client: one call's request on undici's keep-alive `Pool`
 * for the model server, carrying that call's cancellation and time limit, with the answer
 * gathered whole before it is handed back. The client only reads `ok`, `status`, `statusText`,
 * `headers.get()`, `json()` and `text()` of what it gets back, and never streams here (see
 * `UpstreamClients.ollamaWhole` in packages/gateway), so a `Response` with a web stream body per call, or even undici's
 * `request()` with a Node stream body, is cost without use: on a busy worker the global fetch
 * was a fifth of the CPU per document, and `request()` costs ~30% more per call than `dispatch()`
 * with a handler that gathers the body. The limit is undici's own request timer rather than a timer
 * and an `AbortController` of ours per call.
 *
 * @example
 * const client = new Ollama({ host, fetch: ollamaFetch({ signal, timeoutMs: 120_000 }) });
 */
export function ollamaFetch(limits: OllamaCallLimits): typeof fetch {
  const timeout = limits.timeoutMs ?? 0;
  // Returned unnamed: tsx keeps function names, and naming a closure made per call costs a
  // property definition each time.
  return ((input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const { origin, path } = targetOf(input instanceof Request ? input.url : String(input));
    return new Promise<Response>((resolve, reject) => {
      poolFor(origin, limits.connectTimeoutMs ?? 10_000).dispatch(
        {
          path,
          method: (init?.method ?? 'GET') as 'GET',
          headers: (init?.headers ?? {}) as Record<string, string>,
          body: (init?.body ?? null) as string | null,
          headersTimeout: timeout,
          bodyTimeout: timeout,
        },
        new GatheredAnswer(resolve, reject, limits.signal),
      );
    });
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
function poolFor(origin: string, connectTimeoutMs: number): Pool {
  const key = `${connectTimeoutMs} ${origin}`;
  let pool = pools.get(key);
  if (!pool) {
    // Unstreamed answers send their headers only when generation ends: undici's default
    // timeouts (300 s) are off here; each request sets its call's own limit.
    pool = new Pool(origin, {
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: { timeout: connectTimeoutMs },
    });
    pools.set(key, pool);
  }
  return pool;
}

/**
 * A URL as undici's `request` takes it, origin and path apart. Model calls go to a handful of
 * URLs (a few endpoints per server), so each is parsed once.
 */
const targets = new Map<string, { origin: string; path: string }>();
export function targetOf(href: string): { origin: string; path: string } {
  let target = targets.get(href);
  if (!target) {
    const url = new URL(href);
    target = { origin: url.origin, path: `${url.pathname}${url.search}` };
    if (targets.size >= 256) targets.clear();
    targets.set(href, target);
  }
  return target;
}

/**
 * An undici dispatch handler that gathers one answer whole and settles the call's promise with
 * it (or with the error: refused connection, undici's timeouts, the caller's abort). It is also
 * the abort listener of the caller's signal (`handleEvent`), so a call makes no closures.
 */
class GatheredAnswer implements Dispatcher.DispatchHandlers {
  readonly #resolve: (answer: Response) => void;
  readonly #reject: (error: unknown) => void;
  readonly #signal: AbortSignal | undefined;
  #abort: ((error: Error) => void) | undefined;
  #status = 0;
  #rawHeaders: Buffer[] = [];
  #chunks: Buffer[] = [];

  constructor(
    resolve: (answer: Response) => void,
    reject: (error: unknown) => void,
    signal: AbortSignal | undefined,
  ) {
    this.#resolve = resolve;
    this.#reject = reject;
    this.#signal = signal;
  }

  onConnect(abort: (error: Error) => void): void {
    const signal = this.#signal;
    if (signal?.aborted) {
      abort(abortReason(signal));
      return;
    }
    this.#abort = abort;
    signal?.addEventListener('abort', this, { once: true });
  }

  /** The caller's signal fired. */
  handleEvent(): void {
    if (this.#signal) this.#abort?.(abortReason(this.#signal));
  }

  onHeaders(status: number, rawHeaders: Buffer[] | string[] | null): boolean {
    this.#status = status;
    this.#rawHeaders = (rawHeaders ?? []) as Buffer[];
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.#chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    this.#signal?.removeEventListener('abort', this);
    const chunks = this.#chunks;
    const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    this.#resolve(new OllamaAnswer(this.#status, this.#rawHeaders, body) as unknown as Response);
  }

  onError(error: Error): void {
    this.#signal?.removeEventListener('abort', this);
    this.#reject(error);
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('aborted', 'AbortError');
}

/** The part of a `Response` the `ollama` client reads, over an answer gathered whole. */
class OllamaAnswer {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly headers: AnswerHeaders;
  readonly #body: Buffer;

  constructor(status: number, rawHeaders: Buffer[], body: Buffer) {
    this.status = status;
    this.ok = status >= 200 && status < 300;
    this.statusText = STATUS_CODES[status] ?? '';
    this.headers = new AnswerHeaders(rawHeaders);
    this.#body = body;
  }

  async json(): Promise<unknown> {
    return JSON.parse(this.#body.toString('utf8'));
  }

  async text(): Promise<string> {
    return this.#body.toString('utf8');
  }
}

/** The part of `Headers` the client reads (`get`), over undici's raw name/value list. */
class AnswerHeaders {
  readonly #raw: Buffer[];

  constructor(raw: Buffer[]) {
    this.#raw = raw;
  }

  get(name: string): string | null {
    const wanted = name.toLowerCase();
    const values: string[] = [];
    for (let i = 0; i + 1 < this.#raw.length; i += 2) {
      if (String(this.#raw[i]).toLowerCase() === wanted) values.push(String(this.#raw[i + 1]));
    }
    return values.length === 0 ? null : values.join(', ');
  }
}
