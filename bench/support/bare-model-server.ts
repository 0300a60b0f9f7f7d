import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running {@link startBareModelServer}. */
export interface BareModelServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The least a model server can do per call: `POST /api/chat` gets one fixed, valid, non-streamed
 * Ollama answer without its body being read; every other request goes to `fallback` (the Ollama
 * stand-in: the worker's model listing and loading). A yardstick for benchmarks, not a
 * simulation: it shows how much of a run's cost is the stand-in itself, on a machine whose cores
 * it shares with Nightshift.
 *
 * @example
 * const bare = await startBareModelServer(ollama.url);
 * // OLLAMA_HOST=bare.url
 */
export async function startBareModelServer(fallback: string): Promise<BareModelServer> {
  const answer = JSON.stringify({
    model: 'qwen3:32b',
    created_at: new Date().toISOString(),
    message: { role: 'assistant', content: 'The night shift drained the queue without incident.' },
    done: true,
    done_reason: 'stop',
    total_duration: 1_000,
    load_duration: 0,
    prompt_eval_count: 72,
    prompt_eval_duration: 0,
    eval_count: 8,
    eval_duration: 1_000,
  });
  const headers = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(answer),
  };
  const server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/api/chat') {
      req.resume();
      req.once('end', () => res.writeHead(200, headers).end(answer));
      return;
    }
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.once('end', async () => {
      try {
        const forwarded = await fetch(`${fallback}${req.url}`, {
          method: req.method ?? 'GET',
          ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: Buffer.concat(parts) }),
        });
        const body = await forwarded.text();
        res
          .writeHead(forwarded.status, {
            'content-type': forwarded.headers.get('content-type') ?? 'application/json',
          })
          .end(body);
      } catch {
        res.writeHead(502).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
