/**
 * One arm of the GPU-truthful benchmark (bench/gpu-cold.bench.ts): Nightshift's API and worker as
 * processes against a GPU stand-in, a cold backlog submitted, the stand-in's own token counter
 * read over a fixed time.
 */
import type { GpuStandIn } from '@nightshift/testkit/gpu-stand-in';
import { Redis } from 'ioredis';
import { type Stack, startStack } from '../../test/support/stack.ts';
import { sleep, until } from './stats.ts';

export const MODEL = 'qwen2:7b';
/** Words of a cold document: its summary echoes the first 200 of them (NIGHTSHIFT_MAX_TOKENS). */
const DOCUMENT_WORDS = 400;
export const ANSWER_TOKENS = 200;

/** A distinct document of {@link DOCUMENT_WORDS} words. */
export function coldDocument(i: number): string {
  return Array.from({ length: DOCUMENT_WORDS }, (_, k) => `d${i}w${k}`).join(' ');
}

/** Environment every arm shares: the worker summarizes with one call per document. */
export function armEnv(gpu: GpuStandIn, extra: Record<string, string>): Record<string, string> {
  return {
    NIGHTSHIFT_PROVIDER: 'openai',
    NIGHTSHIFT_OPENAI_BASE_URL: `${gpu.url}/v1`,
    NIGHTSHIFT_UPSTREAMS: JSON.stringify([
      { kind: 'openai', url: `${gpu.url}/v1`, models: [MODEL], slots: 64 },
    ]),
    NIGHTSHIFT_MODEL: MODEL,
    NIGHTSHIFT_FALLBACK_MODELS: ' ',
    NIGHTSHIFT_NUM_CTX: '4096',
    NIGHTSHIFT_MAX_TOKENS: String(ANSWER_TOKENS),
    NIGHTSHIFT_GPU_PROBE: 'none',
    NIGHTSHIFT_HOT_RATE_PER_MIN: '1000000',
    NIGHTSHIFT_HOT_BURST: '1000000',
    NIGHTSHIFT_BATCH_RATE_PER_MIN: '1000000',
    NIGHTSHIFT_BATCH_BURST: '1000000',
    NIGHTSHIFT_COLD_GROUP_MAX: '1',
    ...extra,
  };
}

/** Generated tokens so far, summed over the stand-in's engines. */
export function generated(gpu: GpuStandIn): number {
  return gpu.stats().reduce((sum, m) => sum + m.stats.generatedTokens, 0);
}

/** Starts the API and a worker on a flushed Redis. */
export async function startArm(
  redisUrl: string,
  gpu: GpuStandIn,
  env: Record<string, string>,
): Promise<Stack> {
  const redis = new Redis(redisUrl);
  await redis.flushall();
  redis.disconnect();
  // A previous arm's requests leave with its worker; start on an empty server.
  await until(() => gpu.queue().active === 0 && gpu.queue().waiting === 0, 30_000, 'GPU idle');
  return startStack({
    redisUrl,
    webhookSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    ollamaHost: gpu.url,
    apps: ['api', 'worker'],
    env,
  });
}

/** Submits `count` cold documents in batches of 1,000. */
export async function submitBacklog(stack: Stack, count: number, offset = 0): Promise<void> {
  for (let first = 0; first < count; first += 1000) {
    const documents = Array.from({ length: Math.min(1000, count - first) }, (_, i) => ({
      text: coldDocument(offset + first + i),
    }));
    const { status, body } = await stack.postJson({ documents });
    if (status !== 202) throw new Error(`batch refused: ${status} ${JSON.stringify(body)}`);
  }
}

/** What one arm measured. */
export interface ArmThroughput {
  tokensPerSecond: number;
  /** Sequences the server ran, averaged over the samples. */
  meanRunning: number;
  /** Share of samples with requests waiting inside the server. */
  waitingShare: number;
}

/** Samples the stand-in every 100 ms for `seconds`; tokens per second over the whole span. */
export async function measureThroughput(gpu: GpuStandIn, seconds: number): Promise<ArmThroughput> {
  const started = performance.now();
  const tokens0 = generated(gpu);
  let running = 0;
  let waitingSamples = 0;
  let samples = 0;
  while (performance.now() - started < seconds * 1000) {
    await sleep(100);
    const { active, waiting } = gpu.queue();
    running += active;
    if (waiting > 0) waitingSamples++;
    samples++;
  }
  const elapsed = (performance.now() - started) / 1000;
  return {
    tokensPerSecond: (generated(gpu) - tokens0) / elapsed,
    meanRunning: running / Math.max(1, samples),
    waitingShare: waitingSamples / Math.max(1, samples),
  };
}

/** One cold arm: fresh stack, a backlog, throughput from the moment it is submitted. */
export async function coldArm(
  redisUrl: string,
  gpu: GpuStandIn,
  env: Record<string, string>,
  seconds: number,
): Promise<ArmThroughput> {
  const stack = await startArm(redisUrl, gpu, env);
  try {
    // More than any arm can finish: the lane is never short of work.
    await submitBacklog(stack, Math.ceil(seconds * 12));
    return await measureThroughput(gpu, seconds);
  } finally {
    await stack.stop();
  }
}
