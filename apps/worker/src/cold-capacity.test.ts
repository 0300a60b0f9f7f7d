import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '@nightshift/core';
import { gatewayProvider } from '@nightshift/gateway';
import type { LlmProvider } from '@nightshift/llm';
import { type GpuStandIn, startGpuStandIn } from '@nightshift/testkit/gpu-stand-in';
import { afterEach, describe, expect, it } from 'vitest';
import { type WorkerModelLayer, workerModelLayer } from './model-layer.ts';

const MODEL = 'qwen2:7b';
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

function layerOver(
  upstreams: object[],
  interactiveOn?: (server: string) => Promise<number>,
): WorkerModelLayer {
  const layer = workerModelLayer(
    loadConfig({
      NIGHTSHIFT_UPSTREAMS: JSON.stringify(upstreams),
      NIGHTSHIFT_MODEL: MODEL,
      NIGHTSHIFT_FALLBACK_MODELS: ' ',
    }),
    interactiveOn ? { interactiveOn } : {},
  );
  layer.coldCapacity.start();
  cleanups.push(() => layer.close());
  return layer;
}

/** The cold lane's provider over `layer` (as model-chains.ts builds it). */
function coldProvider(layer: WorkerModelLayer): LlmProvider {
  return gatewayProvider({
    gateway: layer.gateway,
    clients: layer.clients,
    onCapacity: 'wait',
    operation: 'summary.cold',
    capacity: layer.coldCapacity,
    priority: 100,
  });
}

async function standIn(options: Parameters<typeof startGpuStandIn>[0]): Promise<GpuStandIn> {
  const gpu = await startGpuStandIn(options);
  cleanups.push(() => gpu.close());
  return gpu;
}

/** Runs `count` cold calls at once while sampling the servers every 5 ms. */
async function burst(provider: LlmProvider, count: number, sample: () => void): Promise<void> {
  const timer = setInterval(sample, 5);
  try {
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        provider.complete({
          model: MODEL,
          prompt: `document ${i} ${'w '.repeat(20)}`,
          maxTokens: 12,
        }),
      ),
    );
  } finally {
    clearInterval(timer);
  }
}

describe('cold capacity per model server', () => {
  it('keeps cold sequences on a continuous-batching server at capacity − reserve, none waiting inside it', async () => {
    const gpu = await standIn({ engine: { stepBaseMs: 5, stepPerSeqMs: 0.1, maxNumSeqs: 16 } });
    const layer = layerOver([
      { kind: 'openai', url: `${gpu.url}/v1`, models: [MODEL], maxSequences: 16, chatReserve: 4 },
    ]);
    // A request waits inside the server until its next step even with room (vLLM admits at
    // step boundaries): "queued" is more cold requests there than the lane's places.
    let most = 0;
    let held = 0;
    await burst(coldProvider(layer), 60, () => {
      const { active, waiting } = gpu.queue();
      most = Math.max(most, active);
      held = Math.max(held, active + waiting);
    });
    expect([most, held]).toEqual([12, 12]);
  });

  it('drains onto both servers of a model', async () => {
    const a = await standIn({ engine: { stepBaseMs: 5, maxNumSeqs: 8 } });
    const b = await standIn({ engine: { stepBaseMs: 5, maxNumSeqs: 8 } });
    const layer = layerOver([
      { kind: 'openai', url: `${a.url}/v1`, models: [MODEL], maxSequences: 8, chatReserve: 2 },
      { kind: 'openai', url: `${b.url}/v1`, models: [MODEL], maxSequences: 8, chatReserve: 2 },
    ]);
    let mostA = 0;
    let mostB = 0;
    await burst(coldProvider(layer), 40, () => {
      mostA = Math.max(mostA, a.queue().active);
      mostB = Math.max(mostB, b.queue().active);
    });
    expect([mostA, mostB]).toEqual([6, 6]);
  });

  it('never holds more cold calls than an Ollama server has slots, less the chats running there', async () => {
    const gpu = await standIn({
      mode: 'ollama',
      engine: { stepBaseMs: 5 },
      ollama: { parallel: 3, loadMs: 0 },
    });
    let chats = 0;
    const layer = layerOver(
      [{ kind: 'ollama', url: gpu.url, models: [MODEL], slots: 3 }],
      async () => chats,
    );
    // Held: running and queued together (a call freshly sent may meet its slot still closing).
    let held = 0;
    const sample = () => {
      const { active, waiting } = gpu.queue();
      held = Math.max(held, active + waiting);
    };
    await burst(coldProvider(layer), 15, sample);
    expect(held).toBe(3);
    chats = 1;
    await layer.coldCapacity.evaluate();
    held = 0;
    await burst(coldProvider(layer), 10, sample);
    expect(held).toBe(2);
  });

  it('sends cold calls at the lowest priority where the server schedules by priority', async () => {
    const bodies: Record<string, unknown>[] = [];
    const server: Server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk) => {
        text += chunk;
      });
      req.on('end', () => {
        if (req.url?.endsWith('/chat/completions')) bodies.push(JSON.parse(text));
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            id: 'c',
            object: 'chat.completion',
            created: 0,
            model: MODEL,
            choices: [
              { index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' },
            ],
            usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    const withPriority = layerOver([
      { kind: 'openai', url, models: [MODEL], priorityScheduling: true },
    ]);
    await coldProvider(withPriority).complete({ model: MODEL, prompt: 'a' });
    const without = layerOver([{ kind: 'openai', url, models: [MODEL] }]);
    await coldProvider(without).complete({ model: MODEL, prompt: 'b' });
    expect(bodies.map((b) => b.priority)).toEqual([100, undefined]);
  });
});
