import type { Dispatcher } from 'undici';
import { request } from 'undici';
import { parseRetryAfter } from './retry-after.ts';
import { createSafeDispatcher } from './safe-dispatcher.ts';

/**
 * What the sender should do after one attempt: `delivered` (2xx), `retry` (any other
 * failure, 3xx included), `gone` (410: stop and disable the URL), `refused` (the address
 * was blocked at connect time: retrying cannot help).
 */
export type AttemptDecision = 'delivered' | 'retry' | 'gone' | 'refused';

/** The record of one delivery attempt, fit for the delivery log. */
export interface AttemptOutcome {
  /** True only for a 2xx answer. */
  ok: boolean;
  /** HTTP status, when the receiver answered at all. */
  status?: number;
  /** From the start of the attempt to its end, in whole milliseconds. */
  durationMs: number;
  /** Short machine-first description of the failure (`timeout`, `http_500`, `redirect_not_followed`, …). */
  error?: string;
  /** The first bytes of the response body (at most `maxResponseBytes`), decoded as UTF-8. */
  responseSnippet?: string;
  /** Delay asked by `Retry-After` on a 429 or 503, in milliseconds. */
  retryAfterMs?: number;
  /** What to do next. */
  decision: AttemptDecision;
}

/** Options of {@link deliverWebhook}. */
export interface DeliverWebhookOptions {
  /** Target URL (already checked at submission with `checkWebhookUrl`). */
  url: string;
  /** The exact JSON text that was signed. */
  body: string;
  /** Signature headers from `signWebhook`, plus any extra. `content-type` defaults to JSON. */
  headers: Record<string, string>;
  /** Whole-attempt timeout: connect, headers and the body snippet. Default 15 000 ms. */
  timeoutMs?: number;
  /**
   * undici dispatcher; use `createSafeDispatcher` so the connect-time SSRF check applies.
   * Default: one shared strict safe dispatcher (private targets refused).
   */
  dispatcher?: Dispatcher;
  /** How much of the response body to keep for the log. Default 1024 bytes. */
  maxResponseBytes?: number;
}

let strictDispatcher: Dispatcher | undefined;

// One shared strict dispatcher, made on first need, so a forgotten option fails closed.
function defaultDispatcher(): Dispatcher {
  strictDispatcher ??= createSafeDispatcher();
  return strictDispatcher;
}

/**
 * POSTs one signed event once. Never follows redirects, never throws for delivery
 * failures: the returned outcome says what happened and what to do next.
 *
 * @example
 * const headers = signWebhook({ secrets: [secret], id, timestamp: new Date(), body });
 * const outcome = await deliverWebhook({ url, body, headers, dispatcher });
 * if (outcome.decision === 'retry') throw WebhookRetryError.fromOutcome(outcome);
 */
export async function deliverWebhook(options: DeliverWebhookOptions): Promise<AttemptOutcome> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxBytes = options.maxResponseBytes ?? 1024;
  const dispatcher = options.dispatcher ?? defaultDispatcher();

  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);

  try {
    const response = await request(options.url, {
      method: 'POST',
      headers: withDefaults(options.headers),
      body: options.body,
      dispatcher,
      signal: controller.signal,
      maxRedirections: 0,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const status = response.statusCode;
    const snippet = await readSnippet(response.body, maxBytes);
    return { ...decide(status, response.headers), status, durationMs: elapsed(), ...snippet };
  } catch (err) {
    return { ok: false, durationMs: elapsed(), ...describeError(err, timedOut, timeoutMs) };
  } finally {
    clearTimeout(timer);
  }
}

function decide(
  status: number,
  headers: Record<string, string | string[] | undefined>,
): Pick<AttemptOutcome, 'ok' | 'decision' | 'error' | 'retryAfterMs'> {
  if (status >= 200 && status < 300) return { ok: true, decision: 'delivered' };
  if (status === 410) return { ok: false, decision: 'gone', error: 'http_410_gone' };
  if (status >= 300 && status < 400) {
    const location = headers.location;
    const to = Array.isArray(location) ? location[0] : location;
    return {
      ok: false,
      decision: 'retry',
      error: to ? `redirect_not_followed: ${status} to ${to}` : `redirect_not_followed: ${status}`,
    };
  }
  if (status === 429 || status === 503) {
    const retryAfterMs = parseRetryAfter(headers['retry-after']);
    return {
      ok: false,
      decision: 'retry',
      error: `http_${status}`,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
  return { ok: false, decision: 'retry', error: `http_${status}` };
}

function describeError(
  err: unknown,
  timedOut: boolean,
  timeoutMs: number,
): Pick<AttemptOutcome, 'decision' | 'error'> {
  const blocked = findCause(err, (e) => e.code === 'ERR_WEBHOOK_SSRF_BLOCKED');
  if (blocked) {
    // The attempt log is shown to the tenant: name its own host, never the address it resolved to.
    const host = (blocked as { hostname?: unknown }).hostname;
    const error = `ssrf_blocked: ${typeof host === 'string' ? `${host} ` : ''}resolves to an address that is not allowed`;
    return { decision: 'refused', error };
  }
  const timeoutCodes = [
    'UND_ERR_HEADERS_TIMEOUT',
    'UND_ERR_BODY_TIMEOUT',
    'UND_ERR_CONNECT_TIMEOUT',
  ];
  if (timedOut || findCause(err, (e) => timeoutCodes.includes(String(e.code)))) {
    return { decision: 'retry', error: `timeout after ${timeoutMs} ms` };
  }
  const e = err as { code?: string; message?: string };
  const cause = findCause(err, (c) => typeof c.code === 'string') ?? e;
  return {
    decision: 'retry',
    error: `network: ${cause.code ?? 'error'} ${cause.message ?? ''}`.trim(),
  };
}

type CodedError = { code?: unknown; message?: string; cause?: unknown };

// undici and fetch wrap socket errors in `cause`; the interesting one may be a level down.
function findCause(
  err: unknown,
  test: (e: CodedError) => boolean,
): (CodedError & { message: string; code?: string }) | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const candidate = current as CodedError;
    if (test(candidate)) return candidate as CodedError & { message: string; code?: string };
    current = candidate.cause;
  }
  return undefined;
}

function withDefaults(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = v;
  out['content-type'] ??= 'application/json';
  out['user-agent'] ??= 'Nightshift-Webhooks/1';
  return out;
}

async function readSnippet(
  body: AsyncIterable<Buffer> & { destroy(): unknown },
  maxBytes: number,
): Promise<Pick<AttemptOutcome, 'responseSnippet'>> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Stop reading once we have enough: a receiver must not be able to stream us gigabytes.
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= maxBytes) break;
  }
  const text = Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
  return text === '' ? {} : { responseSnippet: text };
}
