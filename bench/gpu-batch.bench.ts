/**
 * Issue 26 item 4: does one batch finish as fast as a continuous-batching server allows?
 * The GPU stand-in of issue 26 (vLLM mode: 20 ms step + 0.25 ms per running sequence, 48
 * sequences of KV cache); Nightshift's API and worker as processes. Time from `POST /v1/batches`
 * of one batch to its `completed` status:
 * - default settings (self-tuning lane, documents grouped at submission as configured);
 * - a sweep of fixed concurrencies with grouping off (one document per job), the baseline: the
 *   fastest of them. An arm of the sweep is stopped once it is 25 % slower than the fastest so
 *   far (it cannot be the best); it prints as `> n s`.
 * Figure: best fixed time ÷ default time (documents/s default ÷ best) — goal ≥ 0.9.
 *
 * Run: `npx tsx bench/gpu-batch.bench.ts` (GPU_BATCH_DOCS, default 900 (a comma list runs each);
 * GPU_BATCH_TOKENS: answer tokens a document, default 100, so the best arm takes about a minute;
 * GPU_BATCH_SWEEP, default 64,48,32,16; GPU_BATCH_BEFORE_ROOT: another checkout with its own
 * node_modules, e.g. a copy of the tree before a change, whose apps then run a second default
 * arm in the same run, printed as a second row).
 */
import { type GpuStandIn, startGpuStandIn } from '@nightshift/testkit/gpu-stand-in';
import { startRedis } from '@nightshift/testkit/redis-harness';
import { armEnv, coldDocument, MODEL, startArm } from './support/gpu-arms.ts';
import { round, sleep } from './support/stats.ts';
import { goalRows, type SummaryRow } from './support/summary.ts';

/** One measured figure. */
export interface GpuBatchRow {
  figure: string;
  value: number;
  baseline: number | null;
  ratio: number | null;
  detail: string;
}

const DOCS = (process.env.GPU_BATCH_DOCS ?? '900').split(',').map(Number);
const TOKENS = Number(process.env.GPU_BATCH_TOKENS ?? 100);
const SWEEP = (process.env.GPU_BATCH_SWEEP ?? '64,48,32,16').split(',').map(Number);
const BEFORE_ROOT = process.env.GPU_BATCH_BEFORE_ROOT;
const ENGINE = { stepBaseMs: 20, stepPerSeqMs: 0.25, maxNumSeqs: 48, kvCapacityTokens: 48 * 700 };

/** Sequences the server ran at each 100 ms sample of the last arm. */
const runningSamples: number[] = [];

/** Seconds from submission to the batch's completion, or undefined once past `giveUpS`. */
async function batchSeconds(
  redisUrl: string,
  gpu: GpuStandIn,
  env: Record<string, string>,
  docs: number,
  giveUpS: number,
): Promise<number | undefined> {
  runningSamples.length = 0;
  const stack = await startArm(redisUrl, gpu, env);
  try {
    const documents = Array.from({ length: docs }, (_, i) => ({ text: coldDocument(i) }));
    const started = performance.now();
    const { status, body } = await stack.postJson({ documents });
    if (status !== 202) throw new Error(`batch refused: ${status} ${JSON.stringify(body)}`);
    for (;;) {
      await sleep(100);
      runningSamples.push(gpu.queue().active);
      const seconds = (performance.now() - started) / 1000;
      if (seconds > giveUpS) return undefined;
      const batch = await stack.batch(body.id);
      if (batch.status === 'completed') {
        if ((batch.counts.succeeded ?? 0) !== docs) {
          throw new Error(`batch ended with ${JSON.stringify(batch.counts)}`);
        }
        return seconds;
      }
    }
  } finally {
    await stack.stop();
  }
}

/** The default settings' arm, from this checkout or (`root`) another one. */
async function defaultArm(
  redisUrl: string,
  gpu: GpuStandIn,
  env: Record<string, string>,
  docs: number,
  root = '',
): Promise<{ seconds: number; meanRunning: number }> {
  // startService reads SERVICE_ROOT as it spawns each app.
  process.env.SERVICE_ROOT = root;
  try {
    const seconds = (await batchSeconds(redisUrl, gpu, env, docs, 900)) as number;
    const meanRunning = runningSamples.reduce((a, b) => a + b, 0) / runningSamples.length;
    console.log(
      `${docs} documents, default settings${root ? ` (${root})` : ''}: ${round(seconds, 2)} s`,
    );
    return { seconds, meanRunning };
  } finally {
    process.env.SERVICE_ROOT = '';
  }
}

/** The sweep, then the default settings, for one batch size. */
async function batchRows(redisUrl: string, gpu: GpuStandIn, docs: number): Promise<GpuBatchRow[]> {
  const base = armEnv(gpu, { NIGHTSHIFT_MAX_TOKENS: String(TOKENS) });
  const fixed: string[] = [];
  let best: { slots: number; seconds: number } | undefined;
  for (const slots of SWEEP) {
    const env = {
      ...base,
      NIGHTSHIFT_COLD_AUTOTUNE: 'false',
      NIGHTSHIFT_COLD_CONCURRENCY: `${slots}`,
    };
    const giveUp = best ? best.seconds * 1.25 : 900;
    const seconds = await batchSeconds(redisUrl, gpu, env, docs, giveUp);
    fixed.push(`${slots}: ${seconds === undefined ? `> ${round(giveUp)}` : round(seconds, 2)} s`);
    console.log(`${docs} documents, fixed ${fixed.at(-1)}`);
    if (seconds !== undefined && (!best || seconds < best.seconds)) best = { slots, seconds };
  }
  if (!best) throw new Error('no fixed arm finished');
  // Default settings: grouping as configured (NIGHTSHIFT_COLD_GROUP_MAX unset), the tuner.
  const { NIGHTSHIFT_COLD_GROUP_MAX: _grouping, ...defaults } = base;
  const sweep = `sweep without grouping ${fixed.join(', ')}; best ${best.slots}; ${TOKENS}-token answers; stand-in ${ENGINE.stepBaseMs} ms + ${ENGINE.stepPerSeqMs} ms per sequence a step, ${ENGINE.maxNumSeqs} sequences`;
  const bestSeconds = best.seconds;
  const row = (label: string, arm: { seconds: number; meanRunning: number }): GpuBatchRow => ({
    figure: `${docs}-document batch, default settings${label} ÷ best fixed concurrency (documents/s)`,
    value: round(docs / arm.seconds, 2),
    baseline: round(docs / bestSeconds, 2),
    ratio: round(bestSeconds / arm.seconds, 3),
    detail: `default ${round(arm.seconds, 2)} s (${round(arm.meanRunning, 1)} sequences running on average); ${sweep}`,
  });
  const rows = [row('', await defaultArm(redisUrl, gpu, defaults, docs))];
  if (BEFORE_ROOT) {
    rows.push(
      row(` (${BEFORE_ROOT})`, await defaultArm(redisUrl, gpu, defaults, docs, BEFORE_ROOT)),
    );
  }
  return rows;
}

/** Runs each batch size; one row each. */
export async function run(): Promise<GpuBatchRow[]> {
  const redis = await startRedis();
  const gpu = await startGpuStandIn({
    engine: ENGINE,
    models: [{ name: MODEL, sizeBytes: 4.4e9 }],
  });
  try {
    const rows: GpuBatchRow[] = [];
    for (const docs of DOCS) rows.push(...(await batchRows(redis.url, gpu, docs)));
    return rows;
  } finally {
    await gpu.close();
    await redis.stop();
  }
}

/** The goal of issue 26 item 4. */
export function summarize(rows: GpuBatchRow[]): SummaryRow[] {
  return goalRows(
    'gpu-batch',
    rows,
    DOCS.map((docs) => [
      `${docs}-document batch, default settings ÷`,
      'ratio ≥ 0.9',
      (r: GpuBatchRow) => (r.ratio ?? 0) >= 0.9,
    ]),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { printBenchmark } = await import('./support/summary.ts');
  const rows = await run();
  printBenchmark('One batch on a continuous-batching server', rows, summarize(rows));
}
