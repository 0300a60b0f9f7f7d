import { createOllamaProvider } from '@nightshift/llm';
import { startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { LaneActivity } from './lane-activity.ts';
import { unloadColdOnlyModels } from './model-hygiene.ts';

describe('VRAM hygiene at window close', () => {
  it('unloads models only cold work used and keeps the hot lane’s model loaded', async () => {
    const ollama = await startOllamaStandIn();
    try {
      const provider = createOllamaProvider({ host: ollama.url });
      for (const model of ['qwen3:32b', 'qwen2:7b']) {
        await provider.complete({ model, prompt: 'load me', maxTokens: 4 });
      }
      expect(ollama.loadedModels().sort()).toEqual(['qwen2:7b', 'qwen3:32b']);

      const activity = new LaneActivity();
      activity.coldModels.add('qwen3:32b');
      activity.coldModels.add('qwen2:7b');
      activity.hotModels.add('qwen2:7b');
      const unloaded = await unloadColdOnlyModels(activity, ollama.url, pino({ level: 'silent' }));

      expect(unloaded).toEqual(['qwen3:32b']);
      expect(ollama.loadedModels()).toEqual(['qwen2:7b']);
      const unloadCall = ollama.requests.find((r) => r.keep_alive === 0);
      expect(unloadCall?.model).toBe('qwen3:32b');
      expect(activity.coldOnlyModels()).toEqual([]);
    } finally {
      await ollama.close();
    }
  });
});
