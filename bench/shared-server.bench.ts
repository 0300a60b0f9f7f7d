/**
 * Issue 26, items 2 and 3: does the cold lane share each kind of server the way it works best,
 * and drain onto every server of its model? The GPU stand-in plays the server (20 ms per step +
 * 0.25 ms per running sequence, 48 sequences); Nightshift's API and worker run as processes.
 * (a) vLLM mode: chat time to first token through the gateway while the cold lane runs a big
 *     batch ÷ the same while a naive client holds 64 cold requests on the server — goal ≤ 1.1;
 *     cold documents/s meanwhile ÷ the naive client's — goal ≥ 0.9;
 * (b) the same two figures in Ollama mode (8 parallel slots) against a naive client at 8;
 * (c) one batch over two servers of one model ÷ over one (time to finish) — goal ≥ 1.8.
 *
 * Run: `npx tsx bench/shared-server.bench.ts` (SHARED_BENCH_SECONDS sets each measured span,
 * default 20; SHARED_BENCH_ONLY=a,c picks figures).
 */
import { type GpuStandIn, startGpuStandIn } from '@nightshift/testkit/gpu-stand-in';
import { startRedis } from '@nightshift/testkit/redis-harness';
import OpenAI from 'openai';
import { type Stack, stackKey } from '../test/support/stack.ts';
import {
  ANSWER_TOKENS,
  armEnv,
  coldDocument,
  generated,
  MODEL,
  startArm,
  submitBacklog,
} from './support/gpu-arms.ts';
import { median, round, sleep, until } from './support/stats.ts';
import { goalRows, type SummaryRow } from './support/summary.ts';

/** One measured figure. */
export interface SharedServerRow {
  figure: string;
  value: number;
  baseline: number | null;
  ratio: number | null;
  detail: string;
}

const SECONDS = Number(process.env.SHARED_BENCH_SECONDS ?? 20);
const ONLY = (process.env.SHARED_BENCH_ONLY ?? 'a,b,c').split(',');
const ENGINE = { stepBaseMs: 20, stepPerSeqMs: 0.25, maxNumSeqs: 48, kvCapacityTokens: 10_000_000 };
const CHAT_TOKENS = 16;

/** Time to the first streamed token of a short chat through `client`. */
async function timeToFirstToken(client: OpenAI, i: number): Promise<number> {
  const started = performance.now();
  const stream = await client.chat.completions.create({
    model: MODEL,
    messages: [{ role: 'user', content: `chat ${i} ${'word '.repeat(30)}` }],
    max_tokens: CHAT_TOKENS,
    stream: true,
  });
  let first = 0;
  for await (const chunk of stream) {
    if (first === 0 && chunk.choices[0]?.delta.content) first = performance.now() - started;
  }
  return first;
}

/** Sequential chats spaced as a person types, for `seconds`; their times to first token. */
async function chatFor(client: OpenAI, seconds: number, seed: number): Promise<number[]> {
  const ttfts: number[] = [];
  const end = performance.now() + seconds * 1000;
  for (let i = 0; performance.now() < end; i++) {
    await sleep(200 + ((i * 97) % 300));
    ttfts.push(await timeToFirstToken(client, seed + i));
  }
  return ttfts;
}

/** What one arm measured: chat's first tokens and cold documents per second beside them. */
interface SharedArm {
  ttftMs: number;
  docsPerSecond: number;
  meanRunning: number;
  waitingShare: number;
}

/** Chat through `stack`'s gateway for SECONDS while cold work runs; cold documents/s from tokens. */
async function measureShared(
  stack: Stack,
  gpu: GpuStandIn,
  seed: number,
  seconds = SECONDS,
): Promise<SharedArm> {
  const client = new OpenAI({
    baseURL: `${stack.base}/openai/v1`,
    apiKey: stackKey,
    maxRetries: 0,
  });
  const tokens0 = generated(gpu);
  const started = performance.now();
  let running = 0;
  let waiting = 0;
  let samples = 0;
  const sampler = setInterval(() => {
    const q = gpu.queue();
    running += q.active;
    if (q.waiting > 0) waiting++;
    samples++;
  }, 100);
  const ttfts = await chatFor(client, seconds, seed).finally(() => clearInterval(sampler));
  const elapsed = (performance.now() - started) / 1000;
  const coldTokens = generated(gpu) - tokens0 - ttfts.length * CHAT_TOKENS;
  return {
    ttftMs: median(ttfts),
    docsPerSecond: coldTokens / ANSWER_TOKENS / elapsed,
    meanRunning: running / Math.max(1, samples),
    waitingShare: waiting / Math.max(1, samples),
  };
}

/** A client that keeps `count` cold requests on the server, straight to it, until stopped. */
function naiveClient(baseURL: string, count: number): { stop(): Promise<void> } {
  const direct = new OpenAI({ baseURL, apiKey: 'none', maxRetries: 0 });
  let stopping = false;
  const loops = Array.from({ length: count }, async (_, k) => {
    for (let i = 0; !stopping; i++) {
      await direct.chat.completions
        .create({
          model: MODEL,
          messages: [{ role: 'user', content: coldDocument(k * 100_000 + i) }],
          max_tokens: ANSWER_TOKENS,
        })
        .catch(() => {});
    }
  });
  return {
    async stop() {
      stopping = true;
      await Promise.all(loops);
    },
  };
}

/** Both arms on one stand-in: the naive client, then Nightshift's cold lane. */
async function sharedRows(redisUrl: string, mode: 'vllm' | 'ollama'): Promise<SharedServerRow[]> {
  const slots = 8;
  const gpu = await startGpuStandIn(
    mode === 'vllm'
      ? { engine: ENGINE, models: [{ name: MODEL, sizeBytes: 4.4e9 }] }
      : {
          mode: 'ollama',
          engine: { stepBaseMs: ENGINE.stepBaseMs, stepPerSeqMs: ENGINE.stepPerSeqMs },
          ollama: { parallel: slots },
          models: [{ name: MODEL, sizeBytes: 4.4e9 }],
        },
  );
  const upstream =
    mode === 'vllm'
      ? { kind: 'openai', url: `${gpu.url}/v1`, models: [MODEL], maxSequences: ENGINE.maxNumSeqs }
      : { kind: 'ollama', url: gpu.url, models: [MODEL], slots };
  const env = armEnv(gpu, {
    NIGHTSHIFT_UPSTREAMS: JSON.stringify([upstream]),
    ...(mode === 'ollama' ? { NIGHTSHIFT_PROVIDER: 'ollama' } : {}),
  });
  const naiveCount = mode === 'vllm' ? 64 : slots;
  try {
    // Baseline: the API (for chat) beside a client that holds `naiveCount` requests.
    let naive: SharedArm;
    let idle: SharedArm;
    {
      const stack = await startArm(redisUrl, gpu, env);
      idle = await measureShared(stack, gpu, 50_000, 5);
      const client = naiveClient(`${gpu.url}/v1`, naiveCount);
      try {
        await sleep(3000); // the client's requests reach the server
        naive = await measureShared(stack, gpu, 0);
      } finally {
        await client.stop();
        await stack.stop();
      }
    }
    // Nightshift: a batch far larger than the span, measured once the lane has filled up.
    let lane: SharedArm;
    {
      const stack = await startArm(redisUrl, gpu, env);
      try {
        await submitBacklog(stack, Math.ceil(SECONDS * 70));
        const target = mode === 'vllm' ? 40 : slots - 1;
        await until(() => gpu.queue().active >= target, 60_000, 'cold lane filled', 100);
        await sleep(1000);
        lane = await measureShared(stack, gpu, 10_000);
      } finally {
        await stack.stop();
      }
    }
    const label = mode === 'vllm' ? '(a) vLLM mode' : '(b) Ollama mode';
    const arms = `naive ${round(naive.meanRunning, 1)} sequences running on average, requests waiting in ${round(naive.waitingShare * 100)} % of samples; lane ${round(lane.meanRunning, 1)}, ${round(lane.waitingShare * 100)} %`;
    return [
      {
        figure: `${label}: chat TTFT p50 beside the cold lane ÷ beside a naive client at ${naiveCount}`,
        value: round(lane.ttftMs, 1),
        baseline: round(naive.ttftMs, 1),
        ratio: round(lane.ttftMs / naive.ttftMs, 3),
        detail: `sequential ${CHAT_TOKENS}-token streams through /openai/v1, 200–500 ms apart, ${SECONDS} s per arm; idle server ${round(idle.ttftMs, 1)} ms (lane ÷ idle ${round(lane.ttftMs / idle.ttftMs, 2)}, naive ÷ idle ${round(naive.ttftMs / idle.ttftMs, 2)}); ${arms}`,
      },
      {
        figure: `${label}: cold documents/s, cold lane ÷ naive client at ${naiveCount}`,
        value: round(lane.docsPerSecond, 2),
        baseline: round(naive.docsPerSecond, 2),
        ratio: round(lane.docsPerSecond / naive.docsPerSecond, 3),
        detail: `${ANSWER_TOKENS}-token answers; documents = generated tokens less the chats' ÷ ${ANSWER_TOKENS}`,
      },
    ];
  } finally {
    await gpu.close();
  }
}

/** Time for one worker to finish `count` documents over `servers` (each a stand-in). */
async function batchTime(redisUrl: string, servers: GpuStandIn[], count: number): Promise<number> {
  const first = servers[0] as GpuStandIn;
  const env = armEnv(first, {
    NIGHTSHIFT_UPSTREAMS: JSON.stringify(
      servers.map((gpu) => ({
        kind: 'openai',
        url: `${gpu.url}/v1`,
        models: [MODEL],
        maxSequences: ENGINE.maxNumSeqs,
      })),
    ),
    NIGHTSHIFT_MAX_TOKENS: '50',
  });
  const stack = await startArm(redisUrl, first, env);
  try {
    const started = performance.now();
    const documents = Array.from({ length: count }, (_, i) => ({ text: coldDocument(i) }));
    const { status, body } = await stack.postJson({ documents });
    if (status !== 202) throw new Error(`batch refused: ${status}`);
    const id = (body as { id: string }).id;
    await until(
      async () => (await stack.batch(id)).completedAt != null,
      300_000,
      'batch done',
      200,
    );
    return (performance.now() - started) / 1000;
  } finally {
    await stack.stop();
  }
}

/** (c) the same batch over one server and over two of the same model. */
async function twoServerRow(redisUrl: string): Promise<SharedServerRow> {
  const count = 600;
  const start = () =>
    startGpuStandIn({ engine: ENGINE, models: [{ name: MODEL, sizeBytes: 4.4e9 }] });
  const a = await start();
  const b = await start();
  try {
    const one = await batchTime(redisUrl, [a], count);
    const two = await batchTime(redisUrl, [a, b], count);
    return {
      figure: '(c) one batch over two servers of one model: speed-up over one server',
      value: round(two, 1),
      baseline: round(one, 1),
      ratio: round(one / two, 3),
      detail: `${count} documents of 400 words, 50-token answers, one worker; seconds from submission to the batch's end (value: two servers, baseline: one)`,
    };
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

/** Runs (a)–(c); returns one row per figure. */
export async function run(): Promise<SharedServerRow[]> {
  const redis = await startRedis();
  try {
    const rows: SharedServerRow[] = [];
    if (ONLY.includes('a')) rows.push(...(await sharedRows(redis.url, 'vllm')));
    if (ONLY.includes('b')) rows.push(...(await sharedRows(redis.url, 'ollama')));
    if (ONLY.includes('c')) rows.push(await twoServerRow(redis.url));
    return rows;
  } finally {
    await redis.stop();
  }
}

/** The goals of issue 26, items 2 and 3. */
export function summarize(rows: SharedServerRow[]): SummaryRow[] {
  const ttft = (r: SharedServerRow) => (r.ratio ?? 2) <= 1.1;
  const docs = (r: SharedServerRow) => (r.ratio ?? 0) >= 0.9;
  return goalRows('shared-server', rows, [
    ['(a) vLLM mode: chat TTFT', 'ratio ≤ 1.1', ttft],
    ['(a) vLLM mode: cold documents', 'ratio ≥ 0.9', docs],
    ['(b) Ollama mode: chat TTFT', 'ratio ≤ 1.1', ttft],
    ['(b) Ollama mode: cold documents', 'ratio ≥ 0.9', docs],
    ['(c)', 'ratio ≥ 1.8', (r) => (r.ratio ?? 0) >= 1.8],
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { printBenchmark } = await import('./support/summary.ts');
  const rows = await run();
  printBenchmark('One model server shared by chat and the cold lane', rows, summarize(rows));
}
