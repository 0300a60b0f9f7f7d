/**
 * The gateway against a GPU-like model server (the GPU stand-in in vLLM mode: one step costs
 * a + b × running sequences, a KV cache, a sequence cap), with the direct call measured in the
 * same run:
 * (a) time to first token through `/openai/v1` minus direct, p50 — goal ≤ 5 ms; from the same
 *     rounds, (a2) the time to first token and (a3) the whole streamed call through the gateway
 *     minus through a bare proxy that only forwards bytes, p50 — goal ≤ 1 ms each (issue 26);
 * (b) 64 concurrent streams' token throughput through the gateway ÷ direct — goal ≥ 0.9;
 * (c) hot time to first token through the gateway while a worker's cold lane saturates the
 *     same server ÷ with the cold lane empty, p50 — goal ≤ 1.2;
 * (d) time to first token of Anthropic Messages through `/anthropic` (passed through to a server
 *     that speaks them: the Ollama stand-in's `/v1/messages`) minus a direct call to that
 *     endpoint, p50 — goal ≤ 5 ms, as (a). The official `@anthropic-ai/sdk` on both sides.
 * The API (and for (c) the worker) run as their own processes; the stand-in and the clients
 * run here. Every call uses the official `openai` client, on both sides.
 *
 * Run: `npx tsx bench/gateway.bench.ts` (spawns its own redis-server, or uses REDIS_URL);
 * `GATEWAY_BENCH_ONLY=d npx tsx bench/gateway.bench.ts` runs only the figures named (`a,b,c,d`).
 * `GATEWAY_BENCH_ROUNDS` sets (a)'s measured rounds (default 60).
 * `GATEWAY_BENCH_BEFORE_ROOT=<checkout>` adds to (a) a second API run from that checkout (with
 * its own node_modules, e.g. the commit before a change), alternating in the same rounds:
 * (a2′) and (a3′) print its figures, so a change is judged under the same host load.
 */
import Anthropic from '@anthropic-ai/sdk';
import { startGpuStandIn } from '@nightshift/testkit/gpu-stand-in';
import { startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { startRedis } from '@nightshift/testkit/redis-harness';
import { longText } from '@nightshift/testkit/sample-documents';
import OpenAI from 'openai';
import { type Stack, stackKey, startStack } from '../test/support/stack.ts';
import { startScript, stopScript } from './support/child-script.ts';
import { cpuMeter } from './support/cpu.ts';
import { median, round, sleep, until } from './support/stats.ts';
import { goalRows, type SummaryRow } from './support/summary.ts';

/** One measured figure. */
export interface GatewayRow {
  figure: string;
  value: number;
  baseline: number;
  ratio: number;
  detail: string;
}

const MODEL = 'qwen2:7b';
/** Measured rounds of (a) (`GATEWAY_BENCH_ROUNDS`): more narrow its CPU figure (a4). */
const ROUNDS = Number(process.env.GATEWAY_BENCH_ROUNDS ?? 60);
/** Served by the Ollama stand-in, which speaks Anthropic Messages: figure (d). */
const ANTHROPIC_MODEL = 'llama3.2:3b';
// A 7B model on one H100/H200-class GPU: ~8 ms per decode step alone, +0.15 ms per sequence
// in the batch (decode reads the weights once per step, whoever is in the batch).
const ENGINE = { stepBaseMs: 8, stepPerSeqMs: 0.15, kvCapacityTokens: 400_000, maxNumSeqs: 256 };
const words = (n: number, seed: number) =>
  Array.from({ length: n }, (_, i) => `w${(i * 7 + seed) % 97}`).join(' ');

/** Time from sending a streamed chat to its first content token, ms. */
async function timeToFirstToken(client: OpenAI, seed: number, maxTokens = 8): Promise<number> {
  return (await streamedCall(client, seed, maxTokens)).first;
}

/** One streamed chat: ms to its first content token, and to the end of the stream. */
async function streamedCall(
  client: OpenAI,
  seed: number,
  maxTokens = 8,
): Promise<{ first: number; whole: number }> {
  const started = performance.now();
  const stream = await client.chat.completions.create({
    model: MODEL,
    messages: [{ role: 'user', content: words(64, seed) }],
    max_tokens: maxTokens,
    stream: true,
  });
  let first = Number.NaN;
  for await (const chunk of stream) {
    if (Number.isNaN(first) && chunk.choices[0]?.delta.content) first = performance.now() - started;
  }
  return { first, whole: performance.now() - started };
}

/** Time from sending a streamed Anthropic message to its first text delta, ms. */
async function anthropicTimeToFirstToken(client: Anthropic, seed: number): Promise<number> {
  const started = performance.now();
  const stream = await client.messages.create({
    model: ANTHROPIC_MODEL,
    max_tokens: 8,
    messages: [{ role: 'user', content: words(64, seed) }],
    stream: true,
  });
  let first = Number.NaN;
  for await (const event of stream)
    if (Number.isNaN(first) && event.type === 'content_block_delta')
      first = performance.now() - started;
  return first;
}

/** `streams` concurrent streams of `tokens` tokens each; answers tokens per second overall. */
async function streamThroughput(client: OpenAI, streams: number, tokens: number): Promise<number> {
  const started = performance.now();
  const counts = await Promise.all(
    Array.from({ length: streams }, async (_, i) => {
      const stream = await client.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: words(tokens, i) }],
        max_tokens: tokens,
        stream: true,
      });
      let n = 0;
      for await (const chunk of stream) if (chunk.choices[0]?.delta.content) n++;
      return n;
    }),
  );
  const total = counts.reduce((a, b) => a + b, 0);
  if (total !== streams * tokens)
    throw new Error(`expected ${streams * tokens} tokens, got ${total}`);
  return total / ((performance.now() - started) / 1000);
}

const apiEnv = (gpuUrl: string, ollamaUrl: string): Record<string, string> => ({
  NIGHTSHIFT_UPSTREAMS: JSON.stringify([
    { kind: 'openai', url: `${gpuUrl}/v1`, models: [MODEL], slots: ENGINE.maxNumSeqs },
    {
      kind: 'ollama',
      url: ollamaUrl,
      models: [ANTHROPIC_MODEL],
      slots: 64,
      dialects: ['anthropic'],
    },
  ]),
  NIGHTSHIFT_PROVIDER: 'openai',
  NIGHTSHIFT_OPENAI_BASE_URL: `${gpuUrl}/v1`,
  NIGHTSHIFT_MODEL: MODEL,
  NIGHTSHIFT_FALLBACK_MODELS: '',
  NIGHTSHIFT_HOT_RATE_PER_MIN: '1000000',
  NIGHTSHIFT_HOT_BURST: '1000000',
  NIGHTSHIFT_BATCH_RATE_PER_MIN: '1000000',
  NIGHTSHIFT_BATCH_BURST: '1000000',
  NIGHTSHIFT_COLD_CONCURRENCY: '16',
  // A fixed concurrency, as this benchmark has always measured (bench/gpu-cold.bench.ts tunes).
  NIGHTSHIFT_COLD_AUTOTUNE: 'false',
});

/** Sequential hot streams through the gateway, spaced as a person types; their TTFTs. */
async function hotRound(client: OpenAI, count: number, seed: number): Promise<number[]> {
  const ttfts: number[] = [];
  for (let i = 0; i < count; i++) {
    await sleep(200 + ((i * 97) % 300));
    ttfts.push(await timeToFirstToken(client, seed + i, 16));
  }
  return ttfts;
}

/** Runs (a)–(d), or those `GATEWAY_BENCH_ONLY` names; returns one row per figure. */
export async function run(): Promise<GatewayRow[]> {
  const only = process.env.GATEWAY_BENCH_ONLY?.split(',').map((f) => f.trim());
  const wanted = (figure: string) => !only || only.includes(figure);
  const redis = await startRedis();
  const gpu = await startGpuStandIn({
    engine: ENGINE,
    models: [{ name: MODEL, sizeBytes: 4.4e9 }],
  });
  // ~8 ms a token, as the GPU stand-in's decode step alone; slots enough never to queue.
  const ollama = await startOllamaStandIn({
    models: [{ name: ANTHROPIC_MODEL, sizeBytes: 2e9 }],
    tokenLatencyMs: 8,
    parallel: 64,
    keepRequests: 100,
  });
  const direct = new OpenAI({ baseURL: `${gpu.url}/v1`, apiKey: 'none', maxRetries: 0 });
  const rows: GatewayRow[] = [];
  let stack: Stack | undefined;
  try {
    stack = await startStack({
      redisUrl: redis.url,
      webhookSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      ollamaHost: gpu.url,
      apps: ['api'],
      env: apiEnv(gpu.url, ollama.url),
    });
    if (wanted('d')) rows.push(await anthropicRow(ollama.url, stack.base));
    const gateway = new OpenAI({
      baseURL: `${stack.base}/openai/v1`,
      apiKey: stackKey,
      maxRetries: 0,
    });

    if (wanted('a')) {
      // (a) alternating rounds, after a warm-up of every path. The bare proxy is the floor of any
      // gateway on this machine: one more HTTP hop through a process that only forwards bytes.
      const proxy = await startScript('bench/support/bare-proxy.ts', /proxy listening (\d+)/, {
        UPSTREAM: `${gpu.url}/v1`,
      });
      const bare = new OpenAI({
        baseURL: `http://127.0.0.1:${proxy.match[1]}/v1`,
        apiKey: 'none',
        maxRetries: 0,
      });
      const beforeRoot = process.env.GATEWAY_BENCH_BEFORE_ROOT;
      const earlier = beforeRoot
        ? await beforeStack(beforeRoot, redis.url, gpu.url, ollama.url)
        : undefined;
      const clients = {
        direct,
        gateway,
        bare,
        ...(earlier
          ? {
              before: new OpenAI({
                baseURL: `${earlier.base}/openai/v1`,
                apiKey: stackKey,
                maxRetries: 0,
              }),
            }
          : {}),
      } as Record<'direct' | 'gateway' | 'bare' | 'before', OpenAI>;
      type Side = keyof typeof clients;
      const sides = Object.keys(clients) as Side[];
      const series = () =>
        ({ direct: [], gateway: [], bare: [], before: [] }) as Record<Side, number[]>;
      const ttfts = series();
      const wholes = series();
      let cpu: ReturnType<typeof cpuMeter> | undefined;
      let cpuPerCall: Record<string, number> = {};
      try {
        for (let i = 0; i < 10; i++) for (const side of sides) await streamedCall(clients[side], i);
        cpu = cpuMeter({
          gateway: stack.service('api').proc.pid,
          bare: proxy.child.pid,
          before: earlier?.service('api').proc.pid,
        });
        // Every other round in the reverse order: no side always follows the same one.
        for (let i = 0; i < ROUNDS; i++)
          for (const side of i % 2 ? [...sides].reverse() : sides) {
            const { first, whole } = await streamedCall(clients[side], 100 + i);
            ttfts[side].push(first);
            wholes[side].push(whole);
          }
        cpuPerCall = cpu.perUnit(ROUNDS);
      } finally {
        await stopScript(proxy.child);
        await earlier?.stop();
      }
      const p50 = (of: Record<Side, number[]>) => ({
        direct: median(of.direct),
        gateway: median(of.gateway),
        bare: median(of.bare),
        before: median(of.before),
      });
      const first = p50(ttfts);
      const whole = p50(wholes);
      const describe = (p: Record<Side, number>) =>
        `p50 gateway ${round(p.gateway, 2)}, direct ${round(p.direct, 2)}, bare proxy ${round(p.bare, 2)} ms (bare − direct ${round(p.bare - p.direct, 2)})`;
      rows.push({
        figure: '(a) TTFT p50 through the gateway − direct, ms',
        value: round(first.gateway - first.direct, 2),
        baseline: round(first.direct, 2),
        ratio: round(first.gateway / first.direct, 3),
        detail: `${ROUNDS} alternating rounds, 64-word prompt; ${describe(first)}`,
      });
      // Issue 26: what the gateway costs beyond the least any proxy costs (another HTTP hop).
      rows.push({
        figure: '(a2) TTFT p50, gateway − bare proxy, ms',
        value: round(first.gateway - first.bare, 2),
        baseline: round(first.bare, 2),
        ratio: round(first.gateway / first.bare, 3),
        detail: `the same rounds as (a); ${describe(first)}`,
      });
      rows.push({
        figure: '(a3) whole streamed call p50, gateway − bare proxy, ms',
        value: round(whole.gateway - whole.bare, 2),
        baseline: round(whole.bare, 2),
        ratio: round(whole.gateway / whole.bare, 3),
        detail: `the same rounds as (a), sending to [DONE] (8 tokens); ${describe(whole)}`,
      });
      // CPU time per call moves far less with the host's load than latency does.
      rows.push({
        figure: '(a4) CPU per streamed call, gateway API process, ms',
        value: round(cpuPerCall.gateway ?? Number.NaN, 2),
        baseline: round(cpuPerCall.bare ?? Number.NaN, 2),
        ratio: round((cpuPerCall.gateway ?? Number.NaN) / (cpuPerCall.bare ?? Number.NaN), 3),
        detail: `the same ${ROUNDS} calls as (a), /proc user + system time (10 ms ticks); baseline: the bare proxy${earlier ? `; the checkout before: ${round(cpuPerCall.before ?? Number.NaN, 2)}` : ''}`,
      });
      if (earlier) {
        rows.push({
          figure: '(a2′) TTFT p50, the checkout before − bare proxy, ms',
          value: round(first.before - first.bare, 2),
          baseline: round(first.bare, 2),
          ratio: round(first.before / first.bare, 3),
          detail: `the same rounds as (a), API from ${beforeRoot}; p50 ${round(first.before, 2)} ms`,
        });
        rows.push({
          figure: '(a3′) whole streamed call p50, the checkout before − bare proxy, ms',
          value: round(whole.before - whole.bare, 2),
          baseline: round(whole.bare, 2),
          ratio: round(whole.before / whole.bare, 3),
          detail: `the same rounds as (a), API from ${beforeRoot}; p50 ${round(whole.before, 2)} ms`,
        });
      }
    }

    if (wanted('b')) {
      // (b) three alternating rounds of 64 concurrent streams.
      const ratios: number[] = [];
      const rates: { gateway: number; direct: number }[] = [];
      for (let round_ = 0; round_ < 3; round_++) {
        const d = await streamThroughput(direct, 64, 200);
        const g = await streamThroughput(gateway, 64, 200);
        rates.push({ gateway: g, direct: d });
        ratios.push(g / d);
      }
      rows.push({
        figure: '(b) 64 concurrent streams, tokens/s, gateway ÷ direct',
        value: round(median(rates.map((r) => r.gateway)), 0),
        baseline: round(median(rates.map((r) => r.direct)), 0),
        ratio: round(median(ratios), 3),
        detail: `3 rounds of 64 streams × 200 tokens; ratios ${ratios.map((r) => round(r, 3)).join(', ')}`,
      });
    }

    if (wanted('c')) {
      // (c) a worker's cold lane on the same server.
      await stack.start('worker');
      await until(
        async () =>
          (
            (await fetch(`${stack?.base}/v1/workers`, {
              headers: { authorization: `Bearer ${stackKey}` },
            }).then((r) => r.json())) as { data?: unknown[] }
          ).data?.length,
        10_000,
        'worker registered',
        100,
      );
      await hotRound(gateway, 3, 1_000);
      const empty = await hotRound(gateway, 25, 2_000);
      await sleep(3_500);
      const variants = Array.from({ length: 20 }, (_, i) => longText(700, { seed: i + 1 }));
      const { status } = await stack.postJson({
        documents: Array.from({ length: 2_000 }, (_, i) => ({ text: variants[i % 20] })),
      });
      if (status !== 202) throw new Error(`cold batch answered ${status}`);
      await until(
        () => (gpu.stats()[0]?.stats.running ?? 0) >= 8,
        30_000,
        'cold lane on the GPU',
        5,
      );
      await sleep(1_000);
      // How busy the server really was meanwhile: the lease makes cold work yield while a hot
      // call runs, and the lane resumes between calls.
      const running: number[] = [];
      const sampler = setInterval(() => running.push(gpu.stats()[0]?.stats.running ?? 0), 5);
      const loaded = await hotRound(gateway, 25, 3_000);
      clearInterval(sampler);
      const meanRunning = running.reduce((a, b) => a + b, 0) / Math.max(1, running.length);
      rows.push({
        figure: '(c) hot TTFT p50 with the cold lane saturating ÷ empty',
        value: round(median(loaded), 2),
        baseline: round(median(empty), 2),
        ratio: round(median(loaded) / median(empty), 3),
        detail: `25 sequential streams each, 200–500 ms apart; cold: 2,000 documents, 16 cold slots; sequences running meanwhile: mean ${round(meanRunning, 1)}, max ${Math.max(...running)}`,
      });
    }
  } finally {
    await stack?.stop();
    await gpu.close();
    await ollama.close();
    await redis.stop();
  }
  return rows.sort((x, y) => x.figure.localeCompare(y.figure));
}

/** The API of another checkout (`GATEWAY_BENCH_BEFORE_ROOT`), on the same Redis and servers. */
async function beforeStack(root: string, redisUrl: string, gpuUrl: string, ollamaUrl: string) {
  // startService reads SERVICE_ROOT when it spawns each app.
  const own = process.env.SERVICE_ROOT;
  process.env.SERVICE_ROOT = root;
  try {
    return await startStack({
      redisUrl,
      webhookSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      ollamaHost: gpuUrl,
      apps: ['api'],
      env: apiEnv(gpuUrl, ollamaUrl),
    });
  } finally {
    process.env.SERVICE_ROOT = own ?? '';
  }
}

/**
 * (d): alternating rounds of streamed Anthropic messages, straight to the stand-in's
 * `/v1/messages` and through `/anthropic` (passed through), after a warm-up of both.
 */
async function anthropicRow(ollamaUrl: string, apiBase: string): Promise<GatewayRow> {
  const direct = new Anthropic({ baseURL: ollamaUrl, apiKey: 'none', maxRetries: 0 });
  const gateway = new Anthropic({
    baseURL: `${apiBase}/anthropic`,
    apiKey: stackKey,
    maxRetries: 0,
  });
  const ttfts = { direct: [] as number[], gateway: [] as number[] };
  for (let i = 0; i < 10; i++)
    for (const client of [direct, gateway]) await anthropicTimeToFirstToken(client, i);
  for (let i = 0; i < 60; i++) {
    ttfts.direct.push(await anthropicTimeToFirstToken(direct, 100 + i));
    ttfts.gateway.push(await anthropicTimeToFirstToken(gateway, 100 + i));
  }
  const p50 = { direct: median(ttfts.direct), gateway: median(ttfts.gateway) };
  return {
    figure: '(d) Anthropic TTFT p50 through /anthropic − direct, ms',
    value: round(p50.gateway - p50.direct, 2),
    baseline: round(p50.direct, 2),
    ratio: round(p50.gateway / p50.direct, 3),
    detail: `60 alternating rounds, 64-word prompt, streamed Messages passed through to the stand-in's /v1/messages (8 ms a token); p50 gateway ${round(p50.gateway, 2)}, direct ${round(p50.direct, 2)} ms`,
  };
}

/** The three goals of issue 16, and (d) of issue 27 (as (a)). */
export function summarize(rows: GatewayRow[]): SummaryRow[] {
  const goals: [string, string, (r: GatewayRow) => boolean][] = [
    ['(a)', '≤ 5 ms', (r) => r.value <= 5],
    ['(a2)', '≤ 1 ms', (r) => r.value <= 1],
    ['(a3)', '≤ 1 ms', (r) => r.value <= 1],
    ['(b)', 'ratio ≥ 0.9', (r) => r.ratio >= 0.9],
    ['(c)', 'ratio ≤ 1.2', (r) => r.ratio <= 1.2],
    ['(d)', '≤ 5 ms', (r) => r.value <= 5],
  ];
  return goalRows('gateway', rows, goals);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { printBenchmark } = await import('./support/summary.ts');
  const rows = await run();
  printBenchmark('Gateway vs direct calls on a simulated GPU', rows, summarize(rows));
}
