import { unloadModel } from '@nightshift/llm';
import type { Logger } from 'pino';
import type { LaneActivity } from './lane-activity.ts';

/**
 * At window close, unloads (`keep_alive: 0`) the models that only cold work loaded, so the day
 * starts with free VRAM; models the hot lane used stay warm for interactive traffic.
 *
 * @example
 * onWindowChange: (state) => state.open || unloadColdOnlyModels(activity, ollamaHost, logger)
 */
export async function unloadColdOnlyModels(
  activity: LaneActivity,
  ollamaHost: string,
  logger: Logger,
): Promise<string[]> {
  const unloaded: string[] = [];
  for (const model of activity.coldOnlyModels()) {
    try {
      await unloadModel(ollamaHost, model);
      unloaded.push(model);
      logger.info({ model }, 'unloaded a cold-only model at window close');
    } catch (error) {
      logger.warn({ model, err: (error as Error).message }, 'could not unload a cold-only model');
    }
    activity.coldModels.delete(model);
  }
  return unloaded;
}
