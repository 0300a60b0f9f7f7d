/**
 * Issue 17: does the cold lane keep a GPU-like server full, and stay out of chat's way?
 * The GPU stand-in plays the server (30 ms step + 0.15 ms per running sequence, 64 sequences of
 * KV, 200-token answers); Nightshift's API and worker run as processes.
 * (a) cold tokens/s with the self-tuning lane ÷ the best fixed concurrency of a sweep — goal
 *     ≥ 0.95; and ÷ the stand-in's theoretical maximum, printed;
 * (b) hot time to first token through the gateway with the cold lane saturating ÷ idle — goal ≤ 1.2;
 * (c) Ollama mode on the field report's card (24 GB, 18.6 GB of weights, ~1.6 GB of KV per 8k
 *     session, long documents): out-of-memory answers with Nightshift's admission — goal 0 —
 *     beside a naive concurrency of 4;
 * (d) vLLM mode with the card reserved at start (a real H200 capture at 96 %): the cold lane runs
 *     on the server's own signals where nvidia-smi's memory would cut it down, and starts no cold
 *     sequence while chat requests wait inside the server.
 *
 * Run: `npx tsx bench/gpu-cold.bench.ts` (GPU_BENCH_SECONDS sets each arm's length, default 60;
 * GPU_BENCH_ONLY=a,b picks figures).
 */
import { createFakeNvidiaSmi } from '@nightshift/testkit/fake-nvidia-smi';
import { type GpuStandIn, startGpuStandIn } from '@nightshift/testkit/gpu-stand-in';
import { startRedis } from '@nightshift/testkit/redis-harness';
import OpenAI from 'openai';
import { stackKey } from '../test/support/stack.ts';
import {
  ANSWER_TOKENS,
  armEnv,
  coldArm,
  MODEL,
  measureThroughput,
  startArm,
  submitBacklog,
} from './support/gpu-arms.ts';
import { fieldReportArm } from './support/gpu-field-report.ts';
import { median, round, sleep, until } from './support/stats.ts';
import { goalRows, type SummaryRow } from './support/summary.ts';

/** One measured figure. */
export interface GpuColdRow {
  figure: string;
  value: number;
  baseline: number | null;
  ratio: number | null;
  detail: string;
}

/** Who is told of the stand-in's sequences as they are submitted, if anyone. */
interface SequenceListener {
  listener?: (sequence: { promptTokens: number }) => void;
}

const SECONDS = Number(process.env.GPU_BENCH_SECONDS ?? 60);
/** Which figures to measure, e.g. `GPU_BENCH_ONLY=b,d`. Default all. */
const ONLY = (process.env.GPU_BENCH_ONLY ?? 'a,b,c,d').split(',');
const ENGINE = { stepBaseMs: 30, stepPerSeqMs: 0.15, maxNumSeqs: 64, kvCapacityTokens: 64 * 700 };
const THEORETICAL = (ENGINE.maxNumSeqs / (ENGINE.stepBaseMs + ENGINE.stepPerSeqMs * 64)) * 1000;
const SWEEP = [16, 32, 48, 64, 96];

/** Time to the first streamed token of a short chat through `client`. */
async function timeToFirstToken(client: OpenAI, i: number): Promise<number> {
  const started = performance.now();
  const stream = await client.chat.completions.create({
    model: MODEL,
    messages: [{ role: 'user', content: `chat ${i} ${'word '.repeat(30)}` }],
    max_tokens: 16,
    stream: true,
  });
  let first = 0;
  for await (const chunk of stream) {
    if (first === 0 && chunk.choices[0]?.delta.content) first = performance.now() - started;
  }
  return first;
}

/** Sequential chats spaced as a person types; their times to first token. */
async function chatRound(client: OpenAI, count: number, seed: number): Promise<number[]> {
  const ttfts: number[] = [];
  for (let i = 0; i < count; i++) {
    await sleep(200 + ((i * 97) % 300));
    ttfts.push(await timeToFirstToken(client, seed + i));
  }
  return ttfts;
}

/** (a) the sweep and the tuned lane. */
async function throughputRows(redisUrl: string, gpu: GpuStandIn): Promise<GpuColdRow[]> {
  const fixed: { slots: number; tokensPerSecond: number }[] = [];
  for (const slots of SWEEP) {
    const env = armEnv(gpu, {
      NIGHTSHIFT_COLD_AUTOTUNE: 'false',
      NIGHTSHIFT_COLD_CONCURRENCY: String(slots),
    });
    const arm = await coldArm(redisUrl, gpu, env, SECONDS);
    fixed.push({ slots, tokensPerSecond: arm.tokensPerSecond });
    console.log(`fixed ${slots}: ${round(arm.tokensPerSecond)} tokens/s`);
  }
  const tuned = await coldArm(redisUrl, gpu, armEnv(gpu, {}), SECONDS);
  const best = fixed.reduce((a, b) => (b.tokensPerSecond > a.tokensPerSecond ? b : a));
  return [
    {
      figure: '(a) cold tokens/s, self-tuning ÷ best fixed concurrency',
      value: round(tuned.tokensPerSecond),
      baseline: round(best.tokensPerSecond),
      ratio: round(tuned.tokensPerSecond / best.tokensPerSecond, 3),
      detail: `sweep ${fixed.map((f) => `${f.slots}: ${round(f.tokensPerSecond)}`).join(', ')}; best ${best.slots}; tuned ran ${round(tuned.meanRunning, 1)} sequences on average, requests waited in the server in ${round(tuned.waitingShare * 100)} % of samples; ${SECONDS} s per arm from submission, ramp included`,
    },
    {
      figure: '(a) cold tokens/s, self-tuning ÷ theoretical maximum',
      value: round(tuned.tokensPerSecond),
      baseline: round(THEORETICAL),
      ratio: round(tuned.tokensPerSecond / THEORETICAL, 3),
      detail: `${ENGINE.maxNumSeqs} sequences / (${ENGINE.stepBaseMs} + ${ENGINE.stepPerSeqMs} × ${ENGINE.maxNumSeqs}) ms per step; ${ANSWER_TOKENS}-token answers`,
    },
  ];
}

/** (b) chat through the gateway, idle and with the tuned cold lane saturating. */
async function chatRow(redisUrl: string, gpu: GpuStandIn): Promise<GpuColdRow> {
  const stack = await startArm(redisUrl, gpu, armEnv(gpu, {}));
  try {
    const client = new OpenAI({
      baseURL: `${stack.base}/openai/v1`,
      apiKey: stackKey,
      maxRetries: 0,
    });
    await chatRound(client, 5, 0); // warm-up
    const idle = await chatRound(client, 25, 100);
    await submitBacklog(stack, 2000);
    await until(() => gpu.queue().active >= 56, 60_000, 'cold lane saturating', 100);
    const runningBefore = gpu.queue().active;
    const running: number[] = [];
    const sampler = setInterval(() => running.push(gpu.queue().active), 50);
    const loaded = await chatRound(client, 25, 200).finally(() => clearInterval(sampler));
    const meanRunning = running.reduce((a, b) => a + b, 0) / Math.max(1, running.length);
    return {
      figure: '(b) hot TTFT p50 with the cold lane saturating ÷ idle',
      value: round(median(loaded), 2),
      baseline: round(median(idle), 2),
      ratio: round(median(loaded) / median(idle), 3),
      detail: `25 sequential streams each through /openai/v1, 200–500 ms apart; ${runningBefore} cold sequences running when the loaded round began, ${round(meanRunning, 1)} on average during it (the tuner halves at each evaluation with chat on the GPU; what runs finishes)`,
    };
  } finally {
    await stack.stop();
  }
}

/** (d) a vLLM card reserved at start: nvidia-smi alone against the server's own signals. */
async function reservedCardRows(
  redisUrl: string,
  gpu: GpuStandIn,
  sequences: SequenceListener,
): Promise<GpuColdRow[]> {
  const smi = createFakeNvidiaSmi({ state: 'used-0.96' });
  const seconds = Math.max(15, SECONDS / 3);
  const cardEnv = { NIGHTSHIFT_GPU_PROBE: 'nvidia-smi', NIGHTSHIFT_NVIDIA_SMI: smi.binary };
  try {
    const memoryOnly = await coldArm(
      redisUrl,
      gpu,
      armEnv(gpu, { ...cardEnv, NIGHTSHIFT_SERVER_METRICS_URL: 'none' }),
      seconds,
    );
    const stack = await startArm(redisUrl, gpu, armEnv(gpu, cardEnv));
    try {
      await submitBacklog(stack, 2000);
      const serverSignals = await measureThroughput(gpu, seconds);
      // Chat traffic that reaches the server without Nightshift fills it past its 64 sequences.
      // A cold sequence counts when it reaches the server while requests have been waiting there
      // without a break for over a second (the lane reads the server a few times a second).
      let coldStartsWhileWaiting = 0;
      let coldStartsDuringBurst = 0;
      let queueSince: number | null = null;
      const watcher = setInterval(() => {
        if (gpu.queue().waiting > 0) queueSince ??= performance.now();
        else queueSince = null;
      }, 10);
      sequences.listener = ({ promptTokens }) => {
        if (promptTokens < 100) return;
        coldStartsDuringBurst++;
        if (queueSince !== null && performance.now() - queueSince > 1000) coldStartsWhileWaiting++;
      };
      const direct = new OpenAI({ baseURL: `${gpu.url}/v1`, apiKey: 'none', maxRetries: 0 });
      await Promise.all(
        Array.from({ length: 48 }, (_, i) =>
          direct.chat.completions.create({
            model: MODEL,
            messages: [{ role: 'user', content: `chat ${i} ${'word '.repeat(30)}` }],
            max_tokens: 150,
          }),
        ),
      ).finally(() => clearInterval(watcher));
      return [
        {
          figure:
            '(d) cold tokens/s on a 96 %-reserved card: server signals ÷ nvidia-smi memory only',
          value: round(serverSignals.tokensPerSecond),
          baseline: round(memoryOnly.tokensPerSecond),
          ratio: round(serverSignals.tokensPerSecond / Math.max(1, memoryOnly.tokensPerSecond), 2),
          detail: `real H200 capture (5,634 MiB free, a reading that does not move with vLLM's load): memory alone admits ⌊(5634 − 1024) / 1536⌋ = 3 sessions above the jobs it has charged (${round(memoryOnly.meanRunning, 1)} sequences running on average); the server's own signals ${round(serverSignals.meanRunning, 1)}; the old 95 % rule kept the lane shut (0 tokens/s)`,
        },
        {
          figure: '(d) cold sequences started while chat requests waited in the server',
          value: coldStartsWhileWaiting,
          baseline: null,
          ratio: null,
          detail: `48 chats of 150 tokens sent straight to the server (no gateway lease), on top of a saturating cold lane; a cold sequence counts when requests had been waiting in the server without a break for over 1 s as it arrived (sampled every 10 ms); ${coldStartsDuringBurst} cold sequences arrived while the chats ran`,
        },
      ];
    } finally {
      sequences.listener = undefined;
      await stack.stop();
    }
  } finally {
    smi.remove();
  }
}

/** Runs (a)–(d); returns one row per figure. */
export async function run(): Promise<GpuColdRow[]> {
  const redis = await startRedis();
  const sequences: SequenceListener = {};
  const gpu = await startGpuStandIn({
    engine: ENGINE,
    models: [{ name: MODEL, sizeBytes: 4.4e9 }],
    onSequence: (sequence) => sequences.listener?.(sequence),
  });
  try {
    const rows: GpuColdRow[] = [];
    if (ONLY.includes('a')) rows.push(...(await throughputRows(redis.url, gpu)));
    if (ONLY.includes('b')) rows.push(await chatRow(redis.url, gpu));
    if (ONLY.includes('d')) rows.push(...(await reservedCardRows(redis.url, gpu, sequences)));
    if (ONLY.includes('c')) rows.push(...(await fieldReportArm(redis.url)));
    return rows;
  } finally {
    await gpu.close();
    await redis.stop();
  }
}

/** The goals of issue 17. */
export function summarize(rows: GpuColdRow[]): SummaryRow[] {
  return goalRows('gpu-cold', rows, [
    ['(a) cold tokens/s, self-tuning ÷ best', 'ratio ≥ 0.95', (r) => (r.ratio ?? 0) >= 0.95],
    ['(b)', 'ratio ≤ 1.2', (r) => (r.ratio ?? 2) <= 1.2],
    ['(c) out-of-memory answers with', '0', (r) => r.value === 0],
    ['(d) cold sequences started', '0', (r) => r.value === 0],
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { printBenchmark } = await import('./support/summary.ts');
  const rows = await run();
  printBenchmark('Cold lane on a GPU-like server', rows, summarize(rows));
}
