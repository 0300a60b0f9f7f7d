import type { Server } from 'node:http';
import { listenHttp } from '../src/http-listener.ts';
import { apiUnderTest } from './api-under-test.ts';

/**
 * The real API on a real socket, for the official `openai` and `ollama` clients: its gateway
 * surfaces at `openAiBaseUrl` and `ollamaHost`. `env` names the upstreams (`OLLAMA_HOST` or
 * `NIGHTSHIFT_UPSTREAMS`) and any limit a test sets.
 */
export async function gatewayUnderTest(env: Record<string, string>) {
  const api = await apiUnderTest({
    // Interactive calls in tests come far faster than the seed's 12 a minute.
    NIGHTSHIFT_HOT_RATE_PER_MIN: '100000',
    NIGHTSHIFT_HOT_BURST: '100000',
    ...env,
  });
  const listener = await listenHttp({
    fetch: api.app.fetch,
    port: 0,
    host: '127.0.0.1',
    requestTimeoutMs: 60_000,
    headersTimeoutMs: 10_000,
  });
  const url = `http://127.0.0.1:${listener.port}`;
  return {
    ...api,
    /** The listening Node server (its connections, for tests of the socket policy). */
    server: listener.server as Server,
    url,
    openAiBaseUrl: `${url}/openai/v1`,
    ollamaHost: `${url}/ollama`,
    async close() {
      (listener.server as Server).closeAllConnections();
      await new Promise<void>((resolve) => listener.server.close(() => resolve()));
      await api.close();
    },
  };
}
