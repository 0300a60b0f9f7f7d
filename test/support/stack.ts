import { freePort } from '@nightshift/testkit/redis-harness';
import { type ServiceProcess, startService } from './service-process.ts';

/** Options of {@link startStack}. */
export interface StackOptions {
  redisUrl: string;
  webhookSecret: string;
  ollamaHost: string;
  /** Which apps to start. Default api, worker, notifier. */
  apps?: string[];
  /** Extra environment for every app. */
  env?: Record<string, string>;
}

export const stackKey = 'e2e-key';
/** The scraper's token of the stack's API (`NIGHTSHIFT_METRICS_TOKEN`). */
export const stackMetricsToken = 'e2e-metrics-token-0123456789';

/**
 * Starts Nightshift's apps as separate processes against one Redis, waits until each is up,
 * and returns an HTTP client for the API.
 *
 * @example
 * const stack = await startStack({ redisUrl, webhookSecret, ollamaHost: ollama.url });
 * const { body } = await stack.postJson({ documents: [{ text: '…' }] });
 */
export async function startStack(options: StackOptions) {
  const port = await freePort();
  const env: Record<string, string> = {
    REDIS_URL: options.redisUrl,
    PORT: String(port),
    NIGHTSHIFT_API_KEYS: `acme:${stackKey}`,
    NIGHTSHIFT_METRICS_TOKEN: stackMetricsToken,
    NIGHTSHIFT_WEBHOOK_SECRET: options.webhookSecret,
    NIGHTSHIFT_WEBHOOK_ALLOW_PRIVATE: 'true',
    NIGHTSHIFT_WEBHOOK_RETRY_SCHEDULE: '0s,200ms,500ms,1s,2s,2s',
    OLLAMA_HOST: options.ollamaHost,
    NIGHTSHIFT_COLD_WINDOWS: 'always',
    NIGHTSHIFT_GPU_PROBE: 'none',
    NIGHTSHIFT_NUM_CTX: '2048',
    NIGHTSHIFT_MAX_TOKENS: '256',
    ...options.env,
  };
  const ready: Record<string, RegExp> = {
    api: /api listening/,
    worker: /worker running/,
    notifier: /notifier running/,
    scheduler: /scheduler running|scheduler started/,
  };
  const services = new Map<string, ServiceProcess>();
  const start = async (name: string) => {
    const service = startService(name, env);
    services.set(name, service);
    await service.waitForOutput(ready[name] ?? /running|listening/);
    return service;
  };
  await Promise.all((options.apps ?? ['api', 'worker', 'notifier']).map(start));

  const base = `http://127.0.0.1:${port}`;
  const headers = { authorization: `Bearer ${stackKey}` };
  return {
    base,
    env,
    services,
    /** Starts one more app (or the same app again after it was killed). */
    start,
    service: (name: string) => services.get(name) as ServiceProcess,
    async stop() {
      await Promise.all([...services.values()].map((s) => s.stop()));
    },
    async postJson(body: unknown) {
      const response = await fetch(`${base}/v1/batches`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return {
        status: response.status,
        body: (await response.json()) as { id: string } & Record<string, unknown>,
      };
    },
    async postForm(form: FormData) {
      const response = await fetch(`${base}/v1/batches`, { method: 'POST', headers, body: form });
      return { status: response.status, body: (await response.json()) as { id: string } };
    },
    async batch(id: string) {
      const response = await fetch(`${base}/v1/batches/${id}`, { headers });
      return (await response.json()) as {
        id: string;
        status: string;
        counts: Record<string, number>;
        usage: Record<string, number>;
        completedAt: string | null;
      };
    },
    async results(id: string) {
      const response = await fetch(`${base}/v1/batches/${id}/results`, { headers });
      return (await response.text())
        .trim()
        .split('\n')
        .map(
          (line) =>
            JSON.parse(line) as Record<string, unknown> & { documentId: string; status: string },
        );
    },
  };
}

export type Stack = Awaited<ReturnType<typeof startStack>>;

export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
