import type { OllamaHousekeeping } from '@nightshift/gateway';
import { ollamaModelName } from '@nightshift/llm';
import type { Logger } from 'pino';
import type { LaneActivity } from './lane-activity.ts';

/**
 * At window close, unloads (`keep_alive: 0`) the models that only cold work loaded, so the day
 * starts with free VRAM; models the hot lane used stay warm for interactive traffic, and so do
 * `interactiveModels`: those that served a gateway call on any API replica lately (someone is
 * chatting with them; `InteractiveTraffic.recentModels` in packages/lanes). Each model is
 * unloaded from every Ollama upstream of the model layer that has it loaded.
 *
 * @example
 * onWindowChange: async (state) => state.open ||
 *   unloadColdOnlyModels(activity, layer.housekeeping, logger, await traffic.recentModels(warmMs))
 */
export async function unloadColdOnlyModels(
  activity: LaneActivity,
  ollama: Pick<OllamaHousekeeping, 'unload'>,
  logger: Logger,
  interactiveModels: readonly string[] = [],
): Promise<string[]> {
  const chattedWith = new Set(interactiveModels.map(ollamaModelName));
  const unloaded: string[] = [];
  for (const model of activity.coldOnlyModels()) {
    // Either way the window-close decision about this model is made: the next close asks again
    // only if cold work uses it again.
    activity.coldModels.delete(model);
    if (chattedWith.has(ollamaModelName(model))) {
      logger.info({ model }, 'kept a model loaded at window close: it serves interactive calls');
      continue;
    }
    try {
      await ollama.unload(model);
      unloaded.push(model);
      logger.info({ model }, 'unloaded a cold-only model at window close');
    } catch (error) {
      logger.warn({ model, err: (error as Error).message }, 'could not unload a cold-only model');
    }
  }
  return unloaded;
}
