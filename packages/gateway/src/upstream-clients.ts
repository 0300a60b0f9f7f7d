import Anthropic from '@anthropic-ai/sdk';
// The browser build: the Node build's `chat`/`generate` read any image string that names an
// existing file, and every image here is a caller's string.

import { ollamaFetch, targetOf } from '@nightshift/llm';
import { Ollama } from 'ollama/browser';
import OpenAI from 'openai';
import { Agent, type Dispatcher, fetch as undiciFetch } from 'undici';
import type { Upstream } from './upstreams.ts';

/** Options of {@link UpstreamClients}. */
export interface UpstreamClientsOptions {
  /** A server must accept the TCP connection within this, ms. */
  connectTimeoutMs: number;
  /** Longest wait for the answer's headers, and longest silence between two pieces of a body, ms. */
  readTimeoutMs: number;
}

type Fetch = typeof globalThis.fetch;

function hasCode(error: unknown, code: string): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    if ((e as { code?: unknown }).code === code) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * The `openai` client turns any fetch failure whose text says "timeout" into a bare
 * `APIConnectionTimeoutError` and drops its cause, so a connect timeout (the server never took
 * the call: it is down) would read like a read timeout (the model is slow). Reworded here, the
 * client keeps it as the cause of an `APIConnectionError`, and its code says what it was.
 */
function keepConnectTimeout(error: unknown): unknown {
  if (!hasCode(error, 'UND_ERR_CONNECT_TIMEOUT')) return error;
  const cause = Object.assign(new Error('the server did not accept the connection in time'), {
    code: 'UND_ERR_CONNECT_TIMEOUT',
  });
  return new TypeError('fetch failed', { cause });
}

/**
 * The official clients, pointed at each upstream: `openai` for the OpenAI dialect (an Ollama
 * server through its `/v1` compatibility layer), `ollama` for Ollama's native API. Every call
 * goes through one undici agent whose timers are the gateway's connect and read timeouts, so a
 * silent server fails the call instead of holding a slot.
 */
export class UpstreamClients {
  readonly #fetch: Fetch;
  readonly #openAi = new Map<Upstream, OpenAI>();
  readonly #anthropic = new Map<Upstream, Anthropic>();
  readonly #agent: Agent;
  readonly #o: UpstreamClientsOptions;

  constructor(options: UpstreamClientsOptions) {
    this.#o = options;
    this.#agent = new Agent({
      connect: { timeout: options.connectTimeoutMs },
      headersTimeout: options.readTimeoutMs,
      bodyTimeout: options.readTimeoutMs,
    });
    const dispatcher = this.#agent;
    this.#fetch = ((input: Parameters<Fetch>[0], init?: RequestInit) =>
      undiciFetch(input as never, { ...(init as object), dispatcher } as never).catch(
        (error: unknown) => {
          throw keepConnectTimeout(error);
        },
      )) as unknown as Fetch;
  }

  /** `fetch` on the agent every client here uses (its connect and read timeouts). */
  get fetch(): Fetch {
    return this.#fetch;
  }

  /**
   * A bare request on the same agent (its connect and read timeouts): the answer's body is a
   * Node stream, without `fetch`'s request and response objects and web streams. For a call
   * whose answer is passed on as it comes (a streamed chat passed through). A connect timeout
   * fails as it does through {@link fetch}.
   */
  async request(
    url: string,
    options: Pick<Dispatcher.RequestOptions, 'method' | 'headers' | 'body' | 'signal'>,
  ): Promise<Dispatcher.ResponseData> {
    const { origin, path } = targetOf(url);
    try {
      return await this.#agent.request({ origin, path, ...options });
    } catch (error) {
      throw keepConnectTimeout(error);
    }
  }

  /** The `openai` client for `upstream` (one per upstream; each call brings its own signal). */
  openAi(upstream: Upstream): OpenAI {
    let client = this.#openAi.get(upstream);
    if (!client) {
      client = new OpenAI({
        baseURL:
          upstream.kind === 'ollama' ? `${upstream.url.replace(/\/$/, '')}/v1` : upstream.url,
        apiKey: upstream.apiKey ?? 'nightshift',
        // The gateway decides what follows a failure (another upstream, a fallback model).
        maxRetries: 0,
        fetch: this.#fetch,
      });
      this.#openAi.set(upstream, client);
    }
    return client;
  }

  /**
   * The `@anthropic-ai/sdk` client for an upstream that speaks Anthropic Messages natively
   * (`dialects: ["anthropic"]`): it posts to `<host>/v1/messages`, `<host>` being the upstream's
   * URL without a trailing `/v1`.
   */
  anthropic(upstream: Upstream): Anthropic {
    let client = this.#anthropic.get(upstream);
    if (!client) {
      client = new Anthropic({
        baseURL: upstream.url.replace(/\/+$/, '').replace(/\/v1$/, ''),
        apiKey: upstream.apiKey ?? 'nightshift',
        maxRetries: 0,
        // The read timeout and the gateway's total deadline bound a call; the client's own
        // timer (and its refusal of a long `max_tokens` unstreamed) would only get in the way.
        timeout: 24 * 3600 * 1000,
        fetch: this.#fetch as never,
      });
      this.#anthropic.set(upstream, client);
    }
    return client;
  }

  /**
   * An `ollama` client for one call on `upstream`: its requests carry `signal`, so the caller's
   * disconnect stops that call and no other (`Ollama.abort()` would stop every call of a client).
   */
  ollama(upstream: Upstream, signal: AbortSignal): Ollama {
    const base = this.#fetch;
    return new Ollama({
      host: upstream.url,
      ...(upstream.apiKey ? { headers: { authorization: `Bearer ${upstream.apiKey}` } } : {}),
      fetch: ((input: Parameters<Fetch>[0], init?: RequestInit) =>
        base(input, {
          ...init,
          signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal,
        })) as Fetch,
    });
  }

  /**
   * An `ollama` client for one unstreamed call on `upstream` (a summary's): its answer is
   * gathered whole by a bare undici dispatch on a keep-alive pool per server, with the connect
   * and read timeouts as undici's own timers, rather than through `fetch` and a web stream per
   * call, which cost a fifth of a busy worker's CPU (`ollamaFetch`, docs/PERFORMANCE.md).
   */
  ollamaWhole(upstream: Upstream, signal: AbortSignal): Ollama {
    return new Ollama({
      host: upstream.url,
      ...(upstream.apiKey ? { headers: { authorization: `Bearer ${upstream.apiKey}` } } : {}),
      fetch: ollamaFetch({
        signal,
        timeoutMs: this.#o.readTimeoutMs,
        connectTimeoutMs: this.#o.connectTimeoutMs,
      }),
    });
  }

  /** The models `upstream` lists itself: Ollama `/api/tags`, OpenAI `/models`. */
  async discover(upstream: Upstream): Promise<string[]> {
    const signal = AbortSignal.timeout(5_000);
    if (upstream.kind === 'ollama') {
      const { models } = await this.ollama(upstream, signal).list();
      return models.map((m) => m.name);
    }
    const page = await this.openAi(upstream).models.list({ signal });
    return page.data.map((m) => m.id);
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}
