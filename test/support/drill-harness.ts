import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { startWebhookReceiver, type WebhookReceiver } from '@nightshift/testkit/webhook-receiver';
import { generateWebhookSecret } from '@nightshift/webhooks';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type Stack, startStack } from './stack.ts';

/** Options of {@link drillHarness}. */
export interface DrillHarnessOptions {
  /** The stand-in's delay per generated word: how long work stays in flight. */
  tokenLatencyMs: number;
  /** Environment every stack of this file starts with. */
  env: Record<string, string>;
}

/**
 * What every process drill shares: one Redis, one Ollama stand-in and one signed-webhook
 * receiver per file, a stack of apps per test, and a clean slate after each (Redis back up if a
 * drill left it down, emptied; stand-in and receiver reset). Registers the vitest hooks itself.
 *
 * @example
 * const drill = drillHarness({ tokenLatencyMs: 3, env: { NIGHTSHIFT_JOB_LOCK_MS: '1500' } });
 * it('…', async () => { const stack = await drill.boot(); … drill.receiver.deliveries … });
 */
export function drillHarness(options: DrillHarnessOptions) {
  const secret = generateWebhookSecret();
  let redis: RedisHarness | undefined;
  let ollama: OllamaStandIn | undefined;
  let receiver: WebhookReceiver | undefined;
  let stack: Stack | undefined;
  const ready = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) throw new Error(`${name} is not started yet (use it inside a test)`);
    return value;
  };

  beforeAll(async () => {
    redis = await startRedis();
    ollama = await startOllamaStandIn({ tokenLatencyMs: options.tokenLatencyMs });
    receiver = await startWebhookReceiver({ secret });
  });
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
    if (redis?.kind === 'spawned') await redis.start().catch(() => {}); // a drill may leave it down
    const client = new Redis(ready(redis, 'redis').url);
    await client.flushall();
    client.disconnect();
    ollama?.reset();
    receiver?.reset();
  });
  afterAll(async () => {
    await receiver?.close();
    await ollama?.close();
    await redis?.stop();
  });

  return {
    secret,
    get redis() {
      return ready(redis, 'redis');
    },
    get ollama() {
      return ready(ollama, 'ollama');
    },
    get receiver() {
      return ready(receiver, 'receiver');
    },
    /** Starts the apps (api, worker, notifier unless named) as processes for this test. */
    async boot(apps?: string[], env: Record<string, string> = {}): Promise<Stack> {
      stack = await startStack({
        redisUrl: ready(redis, 'redis').url,
        webhookSecret: secret,
        ollamaHost: ready(ollama, 'ollama').url,
        ...(apps ? { apps } : {}),
        env: { ...options.env, ...env },
      });
      return stack;
    },
  };
}
