/**
 * A/B of two configurations of the whole stack on one machine: two stacks (api, worker,
 * notifier as processes, each on its own redis-server) share one Ollama stand-in and one webhook
 * receiver, and 2,000-document batches alternate between them, so both see the same host load.
 * Runs of a benchmark one after the other on a shared host move by ±15%; this is how the
 * changes in docs/PERFORMANCE.md were judged. Not part of `npm run bench`: it compares two
 * settings of Nightshift, not Nightshift against a baseline.
 *
 * Run: `A_ENV='{"NIGHTSHIFT_COLD_GROUP_MAX":"1"}' B_ENV='{}' npx tsx bench/compare-stacks.ts`
 * (`A_ENV` / `B_ENV`: JSON of extra app environment; `A_ARGS` / `B_ARGS`: node flags for the
 * apps, as `SERVICE_NODE_ARGS`; `A_MODEL_SERVER` / `B_MODEL_SERVER`: `bare` sends that side's
 * chat calls to a server answering each with one fixed answer (`support/bare-model-server.ts`)
 * instead of the stand-in, to see what the stand-in itself costs; `A_ROOT` / `B_ROOT`: run that
 * side's apps from another checkout with its own `npm ci`, e.g. a `git worktree` of the commit
 * before a change; `COMPARE_RUNS`: measured batches per side, default 8).
 */
import { startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { startWebhookReceiver } from '@nightshift/testkit/webhook-receiver';
import { generateWebhookSecret } from '@nightshift/webhooks';
import { type Stack, startStack } from '../test/support/stack.ts';
import { startBareModelServer } from './support/bare-model-server.ts';
import { batchToWebhook } from './support/batch-to-webhook.ts';
import { cpuMeter } from './support/cpu.ts';
import { median, round } from './support/stats.ts';

const DOCUMENTS = 2_000;
const WARMUP = 3;
const RUNS = Number(process.env.COMPARE_RUNS ?? 8);

interface Side {
  name: 'A' | 'B';
  redis: RedisHarness;
  stack: Stack;
  docsPerSecond: number[];
  workerCpuMs: number[];
}

const ollama = await startOllamaStandIn({ tokenLatencyMs: 0, parallel: 16, keepRequests: 1_000 });
const receiver = await startWebhookReceiver();
const bare = await startBareModelServer(ollama.url);

async function startSide(name: Side['name']): Promise<Side> {
  const redis = await startRedis();
  // startService reads SERVICE_NODE_ARGS when it spawns each app.
  process.env.SERVICE_NODE_ARGS = process.env[`${name}_ARGS`] ?? '';
  process.env.SERVICE_ROOT = process.env[`${name}_ROOT`] ?? '';
  const stack = await startStack({
    redisUrl: redis.url,
    webhookSecret: generateWebhookSecret(),
    ollamaHost: process.env[`${name}_MODEL_SERVER`] === 'bare' ? bare.url : ollama.url,
    env: {
      NIGHTSHIFT_PROVIDER: 'ollama',
      NIGHTSHIFT_COLD_CONCURRENCY: '16',
      // A fixed concurrency, as this benchmark has always measured (bench/gpu-cold.bench.ts tunes).
      NIGHTSHIFT_COLD_AUTOTUNE: 'false',
      NIGHTSHIFT_MAX_TOKENS: '16',
      ...(JSON.parse(process.env[`${name}_ENV`] || '{}') as Record<string, string>),
    },
  });
  return { name, redis, stack, docsPerSecond: [], workerCpuMs: [] };
}

/** One batch through one side, from submission to its signed `batch.completed` webhook. */
async function batch(side: Side, measured: boolean): Promise<void> {
  const cpu = cpuMeter({ worker: side.stack.service('worker').proc.pid });
  const ms = await batchToWebhook(side.stack, receiver, DOCUMENTS);
  if (!measured) return;
  side.docsPerSecond.push(round(DOCUMENTS / (ms / 1000), 0));
  side.workerCpuMs.push(cpu.perUnit(DOCUMENTS).worker ?? Number.NaN);
}

const a = await startSide('A');
const b = await startSide('B');
try {
  for (let i = 0; i < WARMUP; i++) {
    await batch(a, false);
    await batch(b, false);
  }
  // Alternate which side goes first, so neither always follows the other.
  for (let i = 0; i < RUNS; i++) {
    const [first, second] = i % 2 ? [b, a] : [a, b];
    await batch(first, true);
    await batch(second, true);
  }
  for (const side of [a, b]) {
    console.log(
      `${side.name}: median ${median(side.docsPerSecond)} docs/s [${side.docsPerSecond.join(' ')}], ` +
        `worker ${round(median(side.workerCpuMs), 3)} CPU ms per document`,
    );
  }
  // Each measured batch of B against the A batch run next to it: the host's drift cancels out.
  const pairs = b.docsPerSecond.map((bps, i) => round(bps / (a.docsPerSecond[i] ?? Number.NaN), 2));
  console.log(
    `B ÷ A: ${round(median(b.docsPerSecond) / median(a.docsPerSecond), 2)} ` +
      `(pairs: median ${round(median(pairs), 2)} [${pairs.join(' ')}])`,
  );
} finally {
  for (const side of [a, b]) {
    await side.stack.stop();
    await side.redis.stop();
  }
  await receiver.close();
  await bare.close();
  await ollama.close();
}
