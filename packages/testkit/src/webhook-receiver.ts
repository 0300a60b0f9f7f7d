import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request the receiver got. */
export interface ReceivedDelivery {
  /** `webhook-id` header ('' when missing). */
  id: string;
  /** `webhook-timestamp` header as Unix seconds (NaN when missing). */
  timestamp: number;
  /** Request headers, lower-cased, repeated ones joined with ', '. */
  headers: Record<string, string>;
  /** Body parsed as JSON (undefined when it is not JSON). */
  body: unknown;
  /** Body exactly as received. */
  rawBody: string;
  /** True when `Webhook.verify` of the `standardwebhooks` library accepted it with one of the secrets. */
  verified: boolean;
  /** Why verification failed, when it did. */
  verifyError?: string;
  /** When the body was fully read. */
  receivedAt: Date;
  /** HTTP method and path, to catch a sender that wanders. */
  method: string;
  path: string;
  /** The status the receiver answered (or will answer, for a delayed response). */
  status: number;
}

/** A programmed answer. */
export interface ReceiverResponse {
  /** HTTP status. */
  status: number;
  /** Extra response headers (`retry-after`, `location`, …). */
  headers?: Record<string, string>;
  /** Response body; objects are sent as JSON. */
  body?: string | object;
  /** Wait this long before answering (a slow receiver). */
  delayMs?: number;
}

/** Options of {@link startWebhookReceiver}. */
export interface WebhookReceiverOptions {
  /** `whsec_…` secret(s) to verify with; without one, every delivery has `verified: false`. */
  secret?: string | readonly string[];
  /** Port to listen on; default a free one. */
  port?: number;
  /** Interface; keep it loopback. Default 127.0.0.1. */
  host?: string;
}

/** A real HTTP webhook receiver for tests. */
export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>/hooks`; the same after down()/up(). */
  url: string;
  port: number;
  /** Every request so far, in order of arrival. */
  readonly deliveries: readonly ReceivedDelivery[];
  /**
   * Queues an answer for the next `times` requests (default 1; Infinity for all). Queued
   * answers are used in order; with none left the receiver answers 200.
   */
  respondWith(response: number | ReceiverResponse, options?: { times?: number }): void;
  /** Stops listening and drops open connections; the port is kept for up(). */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  /** Resolves with the deliveries once at least `n` arrived; rejects after `timeoutMs` (default 5000). */
  waitForDeliveries(n: number, timeoutMs?: number): Promise<ReceivedDelivery[]>;
  /** The first delivery of each distinct `webhook-id` (retries collapse into one). */
  uniqueDeliveries(): ReceivedDelivery[];
  /** Ids answered with a 2xx at least once: what the sender may consider delivered. */
  deliveredIds(): string[];
  /** Forgets deliveries and queued answers. */
  reset(): void;
  /** Closes the server for good. */
  close(): Promise<void>;
}

/**
 * Starts a webhook receiver on loopback that verifies signatures like a real client would.
 *
 * @example
 * const receiver = await startWebhookReceiver({ secret });
 * receiver.respondWith({ status: 503, headers: { 'retry-after': '1' } });
 * const [first] = await receiver.waitForDeliveries(1);
 * expect(first?.verified).toBe(true);
 * await receiver.close();
 */
export async function startWebhookReceiver(
  options: WebhookReceiverOptions = {},
): Promise<WebhookReceiver> {
  const host = options.host ?? '127.0.0.1';
  const secrets =
    options.secret === undefined
      ? []
      : typeof options.secret === 'string'
        ? [options.secret]
        : [...options.secret];
  const verifiers = secrets.map((s) => new Webhook(s));
  const deliveries: ReceivedDelivery[] = [];
  const queue: { response: ReceiverResponse; remaining: number }[] = [];
  const waiters = new Set<() => void>();
  const timers = new Set<NodeJS.Timeout>();

  const nextResponse = (): ReceiverResponse => {
    const head = queue[0];
    if (!head) return { status: 200, body: 'ok' };
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    return head.response;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const headers = flattenHeaders(req);
    const response = nextResponse();
    deliveries.push({
      id: headers['webhook-id'] ?? '',
      timestamp: Number.parseInt(headers['webhook-timestamp'] ?? '', 10),
      headers,
      body: parseJson(rawBody),
      rawBody,
      ...verify(verifiers, rawBody, headers),
      receivedAt: new Date(),
      method: req.method ?? '',
      path: req.url ?? '',
      status: response.status,
    });
    for (const wake of waiters) wake();
    const send = () => {
      const body =
        response.body === undefined
          ? ''
          : typeof response.body === 'string'
            ? response.body
            : JSON.stringify(response.body);
      if (!res.writable) return;
      res.writeHead(response.status, response.headers);
      res.end(body);
    };
    if (response.delayMs) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        send();
      }, response.delayMs);
      timers.add(timer);
    } else {
      send();
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });

  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });

  const stop = () =>
    new Promise<void>((resolve) => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      if (!server.listening) {
        resolve();
        return;
      }
      server.close(() => resolve());
      // close() alone waits for keep-alive sockets; a receiver that is "down" must drop them.
      server.closeAllConnections();
    });

  const port = await listen(options.port ?? 0);
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}/hooks`,
    port,
    get deliveries() {
      return deliveries;
    },
    respondWith(response, opts = {}) {
      const normalized = typeof response === 'number' ? { status: response } : response;
      queue.push({ response: normalized, remaining: opts.times ?? 1 });
    },
    down: stop,
    async up() {
      if (!server.listening) await listen(port);
    },
    waitForDeliveries(n, timeoutMs = 5000) {
      if (deliveries.length >= n) return Promise.resolve([...deliveries]);
      return new Promise((resolve, reject) => {
        const wake = () => {
          if (deliveries.length < n) return;
          cleanup();
          resolve([...deliveries]);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(`expected ${n} deliveries within ${timeoutMs} ms, got ${deliveries.length}`),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(wake);
        };
        waiters.add(wake);
      });
    },
    uniqueDeliveries() {
      const firstById = new Map<string, ReceivedDelivery>();
      for (const d of deliveries) if (!firstById.has(d.id)) firstById.set(d.id, d);
      return [...firstById.values()];
    },
    deliveredIds() {
      const ids = deliveries.filter((d) => d.status >= 200 && d.status < 300).map((d) => d.id);
      return [...new Set(ids)];
    },
    reset() {
      deliveries.length = 0;
      queue.length = 0;
    },
    close: stop,
  };
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function verify(
  verifiers: Webhook[],
  rawBody: string,
  headers: Record<string, string>,
): { verified: boolean; verifyError?: string } {
  if (verifiers.length === 0) return { verified: false, verifyError: 'no secret configured' };
  let lastError = 'no secret matched';
  for (const verifier of verifiers) {
    try {
      verifier.verify(rawBody, headers);
      return { verified: true };
    } catch (err) {
      lastError = (err as Error).message;
    }
  }
  return { verified: false, verifyError: lastError };
}
