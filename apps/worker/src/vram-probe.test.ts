import { loadConfig } from '@nightshift/core';
import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { afterEach, describe, expect, it } from 'vitest';
import { createVramProbe } from './vram-probe.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

async function serverWith(model: string, sizeBytes: number): Promise<OllamaStandIn> {
  const ollama = await startOllamaStandIn({ models: [{ name: model, sizeBytes }] });
  cleanups.push(() => ollama.close());
  const response = await fetch(`${ollama.url}/api/chat`, {
    method: 'POST',
    body: JSON.stringify({ model, stream: false, messages: [{ role: 'user', content: 'load' }] }),
  });
  await response.json();
  return ollama;
}

const config = loadConfig({ NIGHTSHIFT_GPU_PROBE: 'ollama', NIGHTSHIFT_GPU_MEMORY_MIB: '24576' });
const MiB = 2 ** 20;

describe('the ollama VRAM probe over the model layer’s Ollama upstreams', () => {
  it('reads /api/ps of every Ollama server, one card each, unknown while one cannot be read', async () => {
    const a = await serverWith('qwen2:7b', 4_096 * MiB);
    const b = await serverWith('qwen3:32b', 20_480 * MiB);
    const probe = await createVramProbe(config, [{ url: a.url }, { url: b.url }]);
    const reading = await probe.read();
    expect(reading.status).toBe('ok');
    if (reading.status !== 'ok') return;
    expect(reading.gpus.map((g) => [g.index, g.usedMiB, g.totalMiB])).toEqual([
      [0, 4_096, 24_576],
      [1, 20_480, 24_576],
    ]);
    await b.close();
    expect((await probe.read()).status).toBe('unknown');
  });

  it('asks for an Ollama server where the layer has none', async () => {
    await expect(createVramProbe(config, [])).rejects.toThrow(
      /NIGHTSHIFT_GPU_PROBE=ollama needs an Ollama model server/,
    );
  });
});
