import type { Config } from '@nightshift/core';
import { upstreamsFrom } from '@nightshift/gateway';

/**
 * The model servers this worker's cold work runs on: the upstreams of its model layer
 * (`NIGHTSHIFT_UPSTREAMS`, or the one server `OLLAMA_HOST` names), which its summaries and its
 * OpenAI batch lines both go to; none when it summarizes extractively. Its cold lane yields to
 * interactive calls on these servers only: a chat on another GPU's server (or one that hangs
 * there) costs this GPU nothing.
 *
 * @example
 * coldLaneServers(config) // ['http://127.0.0.1:11434']
 */
export function coldLaneServers(config: Config): string[] {
  if (config.NIGHTSHIFT_PROVIDER === 'extractive') return [];
  return [...new Set(upstreamsFrom(config).map((u) => u.url))];
}
