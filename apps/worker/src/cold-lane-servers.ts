import type { Config } from '@nightshift/core';
import { upstreamsFrom } from '@nightshift/gateway';

/**
 * The model servers this worker's cold work runs on: the one its documents are summarized on
 * (`OLLAMA_HOST`, or `NIGHTSHIFT_OPENAI_BASE_URL` with provider `openai`) and the upstreams its
 * OpenAI batch lines go to (`NIGHTSHIFT_UPSTREAMS`, by default that same server). Its cold lane
 * yields to interactive calls on these servers only: a chat on another GPU's server (or one
 * that hangs there) costs this GPU nothing.
 *
 * @example
 * coldLaneServers(config) // ['http://127.0.0.1:11434']
 */
export function coldLaneServers(config: Config): string[] {
  const own =
    config.NIGHTSHIFT_PROVIDER === 'openai'
      ? [config.NIGHTSHIFT_OPENAI_BASE_URL]
      : config.NIGHTSHIFT_PROVIDER === 'extractive'
        ? []
        : [config.OLLAMA_HOST];
  return [...new Set([...own, ...upstreamsFrom(config).map((u) => u.url)])];
}
