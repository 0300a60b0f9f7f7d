import { loadConfig } from '@nightshift/core';
import { configuredUpstreams, OllamaHousekeeping } from '@nightshift/gateway';
import { InteractiveTraffic } from '@nightshift/lanes';
import { createRedis } from '@nightshift/redis';
import { startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { startRedis } from '@nightshift/testkit/redis-harness';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { LaneActivity } from './lane-activity.ts';
import { unloadColdOnlyModels } from './model-hygiene.ts';

const closes: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closes.splice(0)) await close();
});

/** The Ollama chores of a worker whose model layer has the one server `OLLAMA_HOST` names. */
function housekeepingOf(ollamaHost: string): OllamaHousekeeping {
  const { clients, pool } = configuredUpstreams(loadConfig({ OLLAMA_HOST: ollamaHost }));
  closes.push(() => clients.close());
  return new OllamaHousekeeping({ clients, upstreams: pool.upstreams });
}

/** Loads `model` on the server with a real chat call, as a summary would. */
async function load(ollamaHost: string, model: string): Promise<void> {
  const response = await fetch(`${ollamaHost}/api/chat`, {
    method: 'POST',
    body: JSON.stringify({
      model,
      stream: false,
      messages: [{ role: 'user', content: 'load me' }],
      options: { num_predict: 4 },
    }),
  });
  expect(response.status).toBe(200);
  await response.json();
}

describe('VRAM hygiene at window close', () => {
  it('unloads models only cold work used and keeps the hot lane’s model loaded', async () => {
    const ollama = await startOllamaStandIn();
    try {
      for (const model of ['qwen3:32b', 'qwen2:7b']) await load(ollama.url, model);
      expect(ollama.loadedModels().sort()).toEqual(['qwen2:7b', 'qwen3:32b']);

      const activity = new LaneActivity();
      activity.coldModels.add('qwen3:32b');
      activity.coldModels.add('qwen2:7b');
      activity.hotModels.add('qwen2:7b');
      const unloaded = await unloadColdOnlyModels(
        activity,
        housekeepingOf(ollama.url),
        pino({ level: 'silent' }),
      );

      expect(unloaded).toEqual(['qwen3:32b']);
      expect(ollama.loadedModels()).toEqual(['qwen2:7b']);
      const unloadCall = ollama.requests.find((r) => r.keep_alive === 0);
      expect(unloadCall?.model).toBe('qwen3:32b');
      expect(activity.coldOnlyModels()).toEqual([]);
    } finally {
      await ollama.close();
    }
  });

  it('keeps loaded the models someone chatted with through the gateway lately, on any API replica', async () => {
    const [ollama, redis] = await Promise.all([
      startOllamaStandIn({
        models: [
          { name: 'qwen3:32b', sizeBytes: 19.9e9 },
          { name: 'qwen2:7b', sizeBytes: 4.4e9 },
          { name: 'llama3', sizeBytes: 4.7e9 },
        ],
      }),
      startRedis(),
    ]);
    const client = createRedis(redis.url, 'client');
    try {
      for (const model of ['qwen3:32b', 'qwen2:7b', 'llama3:latest']) await load(ollama.url, model);
      const activity = new LaneActivity();
      for (const model of ['qwen3:32b', 'qwen2:7b', 'llama3:latest'])
        activity.coldModels.add(model);

      // Gateway calls recorded by an API replica: the close is at 06:00.
      const close = Date.parse('2026-11-28T06:00:00Z');
      let now = 0;
      const gateway = new InteractiveTraffic({ redis: client, now: () => now });
      const chat = async (model: string, endedMinutesBeforeClose: number) => {
        now = close - (endedMinutesBeforeClose + 1) * 60_000;
        const lease = await gateway.begin(model);
        now = close - endedMinutesBeforeClose * 60_000;
        await lease.end();
      };
      await chat('qwen3:32b', 10);
      await chat('llama3', 5); // untagged, as a client may ask: Ollama's `llama3:latest`
      await chat('qwen2:7b', 40); // longer ago than the warm time: cold-only again

      const warmMs = loadConfig({}).NIGHTSHIFT_GATEWAY_WARM_S * 1000;
      const worker = new InteractiveTraffic({ redis: client });
      const recent = await worker.recentModels(warmMs, close);
      expect(recent).toEqual(['llama3', 'qwen3:32b']);
      const unloaded = await unloadColdOnlyModels(
        activity,
        housekeepingOf(ollama.url),
        pino({ level: 'silent' }),
        recent,
      );

      expect(unloaded).toEqual(['qwen2:7b']);
      expect(ollama.loadedModels().sort()).toEqual(['llama3:latest', 'qwen3:32b']);
      expect(ollama.requests.filter((r) => r.keep_alive === 0).map((r) => r.model)).toEqual([
        'qwen2:7b',
      ]);
      expect(activity.coldOnlyModels()).toEqual([]);
    } finally {
      client.disconnect();
      await Promise.all([ollama.close(), redis.stop()]);
    }
  });
});
