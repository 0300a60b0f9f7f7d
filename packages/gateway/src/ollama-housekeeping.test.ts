import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '@nightshift/core';
import { LlmError } from '@nightshift/llm';
import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { afterEach, describe, expect, it } from 'vitest';
import { OllamaHousekeeping } from './ollama-housekeeping.ts';
import { configuredUpstreams } from './upstream-wiring.ts';

const model = 'qwen2:7b';
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

async function standIn(): Promise<OllamaStandIn> {
  const ollama = await startOllamaStandIn();
  cleanups.push(() => ollama.close());
  return ollama;
}

/** The housekeeping of a layer over `env`'s upstreams, as a worker builds it. */
function housekeeping(env: Record<string, string>, timeoutMs?: number) {
  const { clients, pool } = configuredUpstreams(loadConfig(env));
  cleanups.push(() => clients.close());
  return new OllamaHousekeeping({
    clients,
    upstreams: pool.upstreams,
    ...(timeoutMs ? { timeoutMs } : {}),
  });
}

/** Loads `name` on `ollama` with a real chat call. */
async function load(ollama: OllamaStandIn, name = model): Promise<void> {
  const response = await fetch(`${ollama.url}/api/chat`, {
    method: 'POST',
    body: JSON.stringify({
      model: name,
      stream: false,
      keep_alive: '5m',
      messages: [{ role: 'user', content: 'load me' }],
      options: { num_ctx: 2048, num_predict: 4 },
    }),
  });
  expect(response.status).toBe(200);
  await response.json();
}

describe('Ollama housekeeping over the model layer’s upstreams', () => {
  it('lists loaded models, unloads one and probes reachability (a single-OLLAMA_HOST setup)', async () => {
    const ollama = await standIn();
    const chores = housekeeping({ OLLAMA_HOST: ollama.url });
    const [server] = chores.servers;
    if (!server) throw new Error('OLLAMA_HOST is one Ollama upstream');
    await load(ollama);
    const loaded = await chores.loadedOn(server);
    expect(loaded).toHaveLength(1);
    expect(loaded[0]).toMatchObject({
      name: model,
      sizeBytes: 4_400_000_000,
      sizeVramBytes: 4_400_000_000,
      contextLength: 2048,
    });
    expect(loaded[0]?.expiresAt.getTime()).toBeGreaterThan(Date.now());
    expect(await chores.loadedModels()).toEqual([model]);
    expect(await chores.unload(model)).toBe(1);
    expect(await chores.loadedOn(server)).toEqual([]);
    expect(ollama.requests.at(-2)).toMatchObject({ path: '/api/generate', keep_alive: 0 });
    expect(await chores.reachable(server, 1000)).toBe(true);
    await ollama.close();
    expect(await chores.reachable(server, 1000)).toBe(false);
  });

  it('looks after every Ollama upstream, and unloads a model only where it is loaded', async () => {
    const [a, b] = [await standIn(), await standIn()];
    const chores = housekeeping({
      NIGHTSHIFT_UPSTREAMS: JSON.stringify([
        { kind: 'ollama', url: a.url, models: ['*'] },
        { kind: 'openai', url: 'http://127.0.0.1:9/v1', models: ['*'] },
        { kind: 'ollama', url: b.url, models: ['*'] },
      ]),
    });
    expect(chores.servers.map((s) => s.url)).toEqual([a.url, b.url]);
    await load(a, 'qwen3:32b');
    await load(b, model);
    expect(await chores.loadedModels()).toEqual([model, 'qwen3:32b']);
    expect(await chores.unload('qwen2:7b')).toBe(1);
    expect([a.loadedModels(), b.loadedModels()]).toEqual([['qwen3:32b'], []]);
    expect(a.requests.some((r) => r.keep_alive === 0)).toBe(false);
    // One server gone: the other's models are still listed.
    await b.close();
    expect(await chores.loadedModels()).toEqual(['qwen3:32b']);
  });

  it('gives up on a server that never answers a housekeeping call, as a timeout', async () => {
    const silent = createServer(() => {}); // reads the request, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    cleanups.push(() => {
      silent.closeAllConnections();
      return new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const chores = housekeeping({ OLLAMA_HOST: url }, 300);
    const err = await chores.loadedModels().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmError);
    expect((err as LlmError).kind).toBe('timeout');
    expect((err as LlmError).message).toContain('no answer within 300 ms');
    expect((err as LlmError).message).not.toContain(url);
  });
});
