/**
 * Memory (issue 7): resident memory (VmRSS from /proc) of the API and worker processes while
 * batches of growing size flow through, with the idle RSS as the baseline. Flat means the peak
 * does not grow with the input: 1,000 vs 10,000 documents, 10,000 vs 30,000 (three batches in a
 * row, each at the per-batch maximum), a 5 MB vs a 50 MB multipart upload, and 50 MB vs
 * 150 MB (three 50 MB uploads in a row) (1 MB text files). Stack as processes (api, worker, notifier: the notifier ends batches), the
 * Ollama stand-in answering instantly. Uploads run with 4 cold slots, so that 5 files and 50 files
 * keep the same number of documents in the worker at once.
 *
 * Run: `npx tsx bench/memory.bench.ts` (spawns its own redis-server, or uses REDIS_URL).
 */
import { startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { startRedis } from '@nightshift/testkit/redis-harness';
import { type Stack, startStack } from '../test/support/stack.ts';
import { rssMiB, sampleRss } from './support/rss.ts';
import { median, round, sleep, until } from './support/stats.ts';
import type { SummaryRow } from './support/summary.ts';

/** One phase, on freshly started processes. */
export interface MemoryRow {
  phase: string;
  /** Input size in documents or MB. */
  input: number;
  /** RSS of the same processes idle just before, after a warm-up, MiB (the baseline). */
  apiIdleMiB: number;
  workerIdleMiB: number;
  /** Peak RSS while the phase ran, MiB. */
  apiPeakMiB: number;
  workerPeakMiB: number;
  /** Peak minus idle, MiB. */
  apiGrowthMiB: number;
  workerGrowthMiB: number;
  /** Submission to batch completed, ms. */
  ms: number;
}

const FILE_BYTES = 1024 * 1024;
const line = 'The cold lane drained the nightly batch while the hot lane kept answering users. ';

/** A 1 MB text file; `seed` varies the head so every file is distinct. */
const textFile = (seed: number) =>
  `File ${seed}. ${line.repeat(Math.ceil(FILE_BYTES / line.length))}`.slice(0, FILE_BYTES);

async function finished(stack: Stack, id: string) {
  return until(
    async () => {
      const batch = await stack.batch(id);
      return batch.status !== 'queued' && batch.status !== 'running' && batch;
    },
    300_000,
    `batch ${id} finished`,
    100,
  );
}

const docs = (stack: Stack, count: number) =>
  stack.postJson({
    documents: Array.from({ length: count }, (_, i) => ({
      text: `Note ${i}: the GPU was idle from 01:00 to 05:00; the queue drained.`,
    })),
  });

const upload = (stack: Stack, files: number) => {
  const form = new FormData();
  for (let i = 0; i < files; i++) {
    form.append('file', new Blob([textFile(i)], { type: 'text/plain' }), `part-${i}.txt`);
  }
  return stack.postForm(form);
};

/**
 * Starts a fresh stack, warms it up, reads the idle RSS, then submits with RSS sampled from the
 * POST until the batch ends. Fresh processes per phase: V8 rarely hands memory back, so a
 * phase run after a bigger one would inherit its peak.
 */
async function phase(
  redisUrl: string,
  ollamaHost: string,
  name: string,
  input: number,
  submit: (stack: Stack) => Promise<{ status: number; body: { id: string } }>,
  coldSlots: number,
): Promise<MemoryRow> {
  const stack = await startStack({
    redisUrl,
    webhookSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    ollamaHost,
    env: {
      NIGHTSHIFT_PROVIDER: 'ollama',
      NIGHTSHIFT_COLD_CONCURRENCY: String(coldSlots),
      // A fixed concurrency, as this benchmark has always measured (bench/gpu-cold.bench.ts tunes).
      NIGHTSHIFT_COLD_AUTOTUNE: 'false',
      NIGHTSHIFT_MAX_TOKENS: '16',
      // Large chunks keep the 1 MB files to a few model calls each: memory, not speed, is measured.
      NIGHTSHIFT_NUM_CTX: '65536',
      NIGHTSHIFT_BATCH_RATE_PER_MIN: '1000000',
      NIGHTSHIFT_BATCH_BURST: '1000000',
      // MEMORY_BENCH_HEAP_MB caps V8's old space, to tell lazy heap growth from a leak.
      ...(process.env.MEMORY_BENCH_HEAP_MB
        ? { NODE_OPTIONS: `--max-old-space-size=${process.env.MEMORY_BENCH_HEAP_MB}` }
        : {}),
    },
  });
  try {
    const pids = {
      api: stack.service('api').proc.pid as number,
      worker: stack.service('worker').proc.pid as number,
    };
    // Warm-up: every code path loaded once, so idle means "ready", not "fresh".
    await finished(stack, (await docs(stack, 100)).body.id);
    await finished(stack, (await upload(stack, 1)).body.id);
    await sleep(500);
    const samples: Record<string, number[]> = { api: [], worker: [] };
    for (let i = 0; i < 5; i++) {
      for (const [key, pid] of Object.entries(pids)) samples[key]?.push(await rssMiB(pid));
      await sleep(100);
    }
    const idle = { api: median(samples.api ?? []), worker: median(samples.worker ?? []) };
    const sampler = sampleRss(pids, 25);
    const started = performance.now();
    const { status, body } = await submit(stack);
    if (status !== 202) throw new Error(`${name}: answered ${status} ${JSON.stringify(body)}`);
    await finished(stack, body.id);
    const ms = performance.now() - started;
    const { peak } = await sampler.stop();
    const api = peak.api ?? Number.NaN;
    const worker = peak.worker ?? Number.NaN;
    return {
      phase: name,
      input,
      apiIdleMiB: round(idle.api),
      workerIdleMiB: round(idle.worker),
      apiPeakMiB: round(api),
      workerPeakMiB: round(worker),
      apiGrowthMiB: round(api - idle.api),
      workerGrowthMiB: round(worker - idle.worker),
      ms: round(ms, 0),
    };
  } finally {
    await stack.stop();
  }
}

/**
 * Each phase is run this many times (`MEMORY_BENCH_REPEATS`, default 3) and its row holds the
 * medians: one run's growth moves by ±15 MiB with where the full collections happen to fall,
 * enough to flip a flat-or-not verdict either way.
 */
const REPEATS = Number(process.env.MEMORY_BENCH_REPEATS ?? 3);

/** The median of each figure of several runs of one phase. */
function medianRow(runs: MemoryRow[]): MemoryRow {
  const first = runs[0] as MemoryRow;
  const of = (key: keyof MemoryRow) => median(runs.map((r) => r[key] as number));
  return {
    phase: first.phase,
    input: first.input,
    apiIdleMiB: of('apiIdleMiB'),
    workerIdleMiB: of('workerIdleMiB'),
    apiPeakMiB: of('apiPeakMiB'),
    workerPeakMiB: of('workerPeakMiB'),
    apiGrowthMiB: of('apiGrowthMiB'),
    workerGrowthMiB: of('workerGrowthMiB'),
    ms: of('ms'),
  };
}

/** Runs every phase {@link REPEATS} times, each run on fresh processes. */
export async function run(): Promise<MemoryRow[]> {
  const redis = await startRedis();
  const ollama = await startOllamaStandIn({ tokenLatencyMs: 0, parallel: 16, keepRequests: 1_000 });
  const rows: MemoryRow[] = [];
  const repeated = async (once: () => Promise<MemoryRow>) => {
    const runs: MemoryRow[] = [];
    for (let i = 0; i < REPEATS; i++) runs.push(await once());
    return medianRow(runs);
  };
  try {
    for (const count of [1_000, 10_000]) {
      rows.push(
        await repeated(() =>
          phase(redis.url, ollama.url, 'batch, documents', count, (s) => docs(s, count), 16),
        ),
      );
    }
    // 30,000 documents as three 10,000-document batches in a row (10,000 is the most one batch
    // may hold): memory that plateaus stays at the single batch's peak while the input triples.
    const inARow = async (stack: Stack) => {
      for (let i = 0; i < 2; i++) await finished(stack, (await docs(stack, 10_000)).body.id);
      return docs(stack, 10_000);
    };
    rows.push(
      await repeated(() => phase(redis.url, ollama.url, 'batch, documents', 30_000, inARow, 16)),
    );
    for (const mb of [5, 50]) {
      rows.push(
        await repeated(() =>
          phase(redis.url, ollama.url, 'multipart upload, MB', mb, (s) => upload(s, mb), 4),
        ),
      );
    }
    // 150 MB as three 50 MB uploads in a row (one request may carry at most 100 MB): the same
    // plateau test as the 30,000 documents.
    const uploadsInARow = async (stack: Stack) => {
      for (let i = 0; i < 2; i++) await finished(stack, (await upload(stack, 50)).body.id);
      return upload(stack, 50);
    };
    rows.push(
      await repeated(() =>
        phase(redis.url, ollama.url, 'multipart upload, MB', 150, uploadsInARow, 4),
      ),
    );
  } finally {
    await ollama.close();
    await redis.stop();
  }
  return rows;
}

/** Growth at 10× the input divided by growth at 1×: ~1 is flat, ~10 is proportional. */
export function summarize(rows: MemoryRow[]): SummaryRow[] {
  const at = (phase: string, input: number) =>
    rows.find((r) => r.phase === phase && r.input === input);
  const out: SummaryRow[] = [];
  for (const [phase, small, big, unit] of [
    ['batch, documents', 1_000, 10_000, 'docs'],
    ['batch, documents', 10_000, 30_000, 'docs'],
    ['multipart upload, MB', 5, 50, 'MB'],
    ['multipart upload, MB', 50, 150, 'MB'],
  ] as const) {
    for (const proc of ['api', 'worker'] as const) {
      const a = at(phase, small);
      const b = at(phase, big);
      if (!a || !b) continue;
      const key = proc === 'api' ? 'apiPeakMiB' : 'workerPeakMiB';
      const grow = proc === 'api' ? 'apiGrowthMiB' : 'workerGrowthMiB';
      // Growth under 32 MiB counts as flat whatever the ratio: that is GC noise. The repeated
      // phases (30,000 documents, 150 MB) test the plateau: at most 16 MiB above the single
      // batch's growth.
      const flat =
        small === 10_000 || small === 50
          ? b[grow] <= a[grow] + 16
          : b[grow] < 32 || b[grow] <= 2 * Math.max(a[grow], 1);
      out.push({
        benchmark: 'memory',
        figure: `${proc} peak RSS MiB, ${big} vs ${small} ${unit}`,
        value: `${b[key]} vs ${a[key]}`,
        baseline: proc === 'api' ? b.apiIdleMiB : b.workerIdleMiB,
        ratio: round(b[grow] / Math.max(a[grow], 1), 1),
        goal: 'flat (growth not ∝ input)',
        met: flat,
      });
    }
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { printBenchmark } = await import('./support/summary.ts');
  const rows = await run();
  printBenchmark('Memory: API and worker RSS while batches flow through', rows, summarize(rows));
}
