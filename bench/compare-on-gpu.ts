/**
 * Several builds or settings of Nightshift side by side against GPU-like model servers, to judge
 * whether a mechanism still pays where the server, not Nightshift, sets the pace. Each side has
 * its own Redis and its own GPU stand-in in Ollama mode (30 ms step + 0.15 ms per running
 * sequence, 64 parallel slots, 200-token answers, memory for all of them); every side runs at
 * once, over the same windows, so all see the same host load. Per side: tokens/s the stand-in
 * generated, and the worker's CPU time per document (per 200 generated tokens). Not part of
 * `npm run bench`: it compares Nightshift with itself; docs/PERFORMANCE.md records its verdicts.
 *
 * Run: `COMPARE_SIDES='[{"name":"now"},{"name":"before","root":"/tmp/before"},
 * {"name":"no-growth-cap","env":{"NIGHTSHIFT_HEAP_GROWTH_PERCENT":"0"}}]' npx tsx bench/compare-on-gpu.ts`
 * (`root`: run that side's apps from another checkout with its own `npm ci`, e.g. a
 * `git worktree` of the commit before a change; `env`: extra app environment;
 * `COMPARE_WINDOWS`: measured windows, default 4; `COMPARE_WINDOW_S`: seconds each, default 60).
 */
import { type GpuStandIn, startGpuStandIn } from '@nightshift/testkit/gpu-stand-in';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { z } from 'zod';
import type { Stack } from '../test/support/stack.ts';
import { cpuMs } from './support/cpu.ts';
import { ANSWER_TOKENS, generated, MODEL, startArm, submitBacklog } from './support/gpu-arms.ts';
import { median, round, sleep } from './support/stats.ts';

const sidesSchema = z
  .array(
    z.object({
      name: z.string().min(1),
      root: z.string().optional(),
      env: z.record(z.string(), z.string()).default({}),
    }),
  )
  .min(1);
const SIDES = sidesSchema.parse(JSON.parse(process.env.COMPARE_SIDES ?? '[{"name":"now"}]'));
const WINDOWS = Number(process.env.COMPARE_WINDOWS ?? 4);
const WINDOW_S = Number(process.env.COMPARE_WINDOW_S ?? 60);
const SLOTS = 64;
const WARMUP_S = 20;

interface Side {
  name: string;
  redis: RedisHarness;
  gpu: GpuStandIn;
  stack: Stack;
  tokensPerSecond: number[];
  workerCpuMsPerDocument: number[];
}

async function startSide(spec: z.infer<typeof sidesSchema>[number], i: number): Promise<Side> {
  const redis = await startRedis();
  const gpu = await startGpuStandIn({
    mode: 'ollama',
    models: [{ name: MODEL, sizeBytes: 4.4e9 }],
    engine: { stepBaseMs: 30, stepPerSeqMs: 0.15 },
    ollama: { parallel: SLOTS, memoryBytes: 200e9 },
  });
  // startService reads SERVICE_ROOT as it spawns each app.
  process.env.SERVICE_ROOT = spec.root ?? '';
  const stack = await startArm(redis.url, gpu, {
    NIGHTSHIFT_PROVIDER: 'ollama',
    NIGHTSHIFT_MODEL: MODEL,
    NIGHTSHIFT_FALLBACK_MODELS: ' ',
    NIGHTSHIFT_NUM_CTX: '4096',
    NIGHTSHIFT_MAX_TOKENS: String(ANSWER_TOKENS),
    NIGHTSHIFT_COLD_CONCURRENCY: String(SLOTS),
    // A fixed concurrency: the sides differ in their mechanisms, not in what a tuner settled at.
    NIGHTSHIFT_COLD_AUTOTUNE: 'false',
    NIGHTSHIFT_BATCH_RATE_PER_MIN: '1000000',
    NIGHTSHIFT_BATCH_BURST: '1000000',
    ...spec.env,
  });
  // More than the whole run can finish, in batches of 1,000 (short texts travel in groups).
  await submitBacklog(stack, Math.ceil(((WARMUP_S + WINDOWS * WINDOW_S) * SLOTS) / 5), i * 1e6);
  return { name: spec.name, redis, gpu, stack, tokensPerSecond: [], workerCpuMsPerDocument: [] };
}

const sides: Side[] = [];
try {
  for (const [i, spec] of SIDES.entries()) sides.push(await startSide(spec, i));
  await sleep(WARMUP_S * 1000);
  for (let w = 0; w < WINDOWS; w++) {
    const begin = sides.map((side) => ({
      at: performance.now(),
      tokens: generated(side.gpu),
      cpu: cpuMs(side.stack.service('worker').proc.pid ?? -1),
    }));
    await sleep(WINDOW_S * 1000);
    for (const [i, side] of sides.entries()) {
      const start = begin[i] as (typeof begin)[number];
      const tokens = generated(side.gpu) - start.tokens;
      const seconds = (performance.now() - start.at) / 1000;
      const cpu = cpuMs(side.stack.service('worker').proc.pid ?? -1) - start.cpu;
      side.tokensPerSecond.push(round(tokens / seconds, 0));
      side.workerCpuMsPerDocument.push(round(cpu / (tokens / ANSWER_TOKENS), 2));
    }
  }
  const [first] = sides as [Side, ...Side[]];
  const baseTokens = median(first.tokensPerSecond);
  const baseCpu = median(first.workerCpuMsPerDocument);
  for (const side of sides) {
    const tokens = median(side.tokensPerSecond);
    const cpu = round(median(side.workerCpuMsPerDocument), 2);
    console.log(
      `${side.name}: ${tokens} tokens/s [${side.tokensPerSecond.join(' ')}] (÷ ${first.name} ` +
        `${round(tokens / baseTokens, 3)}), worker ${cpu} CPU ms per document ` +
        `[${side.workerCpuMsPerDocument.join(' ')}] (÷ ${first.name} ${round(cpu / baseCpu, 3)})`,
    );
  }
} finally {
  for (const side of sides) {
    await side.stack.stop();
    await side.gpu.close();
    await side.redis.stop();
  }
}
