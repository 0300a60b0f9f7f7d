/**
 * OpenAI-compatible batch intake (issue 18): upload a 50,000-line JSONL file of ~100 MB to
 * `POST /openai/v1/files` and create a batch from it (`POST /openai/v1/batches`: the file is
 * validated line by line and every request queued on the cold lane). Goal: < 10 s for both,
 * and the API's peak RSS growth < 64 MiB above what the same steps with a 5,000-line file
 * cost (the baseline, measured in the same run on the same API process). No worker runs.
 *
 * Run: `npx tsx bench/openai-batch-intake.bench.ts` (spawns its own redis-server, or uses REDIS_URL).
 */
import { startRedis } from '@nightshift/testkit/redis-harness';
import { Redis } from 'ioredis';
import { stackKey, startStack } from '../test/support/stack.ts';
import { rssMiB, sampleRss } from './support/rss.ts';
import { median, round } from './support/stats.ts';
import type { SummaryRow } from './support/summary.ts';

/** One measurement. */
export interface IntakeRow {
  lines: number;
  run: number;
  megabytes: number;
  uploadMs: number;
  createMs: number;
  /** The API's peak RSS during upload and create, minus its RSS just before. */
  rssGrowthMiB: number;
  /** The same, during the upload alone. */
  uploadGrowthMiB: number;
}

const RUNS = 3;
const BIG = 50_000;
const SMALL = 5_000;
/** Words per line's message: ~2 KB a line, so 50,000 lines are ~100 MB. */
const filler = 'the night shift drained the queue while the gpu was idle and cool '.repeat(29);

function inputFile(lines: number): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < lines; i++)
    parts.push(
      `${JSON.stringify({
        custom_id: `request-${i}`,
        method: 'POST',
        url: '/v1/chat/completions',
        body: {
          model: 'qwen2:7b',
          messages: [{ role: 'user', content: `${i}: ${filler}` }],
          max_tokens: 64,
        },
      })}\n`,
    );
  return Buffer.from(parts.join(''));
}

async function measure(base: string, pid: number, file: Buffer, lines: number, run: number) {
  const headers = { authorization: `Bearer ${stackKey}` };
  const before = await rssMiB(pid);
  const sampler = sampleRss({ api: pid }, 20);
  const form = new FormData();
  form.append('purpose', 'batch');
  form.append('file', new Blob([file]), 'input.jsonl');
  const started = performance.now();
  const uploaded = await fetch(`${base}/openai/v1/files`, { method: 'POST', headers, body: form });
  const uploadMs = performance.now() - started;
  const { id } = (await uploaded.json()) as { id: string };
  const uploadPeak = (await sampler.stop()).peak.api ?? before;
  const creating = sampleRss({ api: pid }, 20);
  if (uploaded.status !== 200) throw new Error(`upload answered ${uploaded.status}`);
  const createStarted = performance.now();
  const created = await fetch(`${base}/openai/v1/batches`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({
      input_file_id: id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    }),
  });
  const createMs = performance.now() - createStarted;
  const batch = (await created.json()) as { status: string; request_counts: { total: number } };
  const { peak } = await creating.stop();
  if (batch.status !== 'in_progress' || batch.request_counts.total !== lines)
    throw new Error(`create answered ${created.status}: ${JSON.stringify(batch).slice(0, 300)}`);
  return {
    lines,
    run,
    megabytes: round(file.length / 1024 / 1024, 1),
    uploadMs: round(uploadMs, 0),
    createMs: round(createMs, 0),
    rssGrowthMiB: round(Math.max(uploadPeak, peak.api ?? before) - before, 1),
    uploadGrowthMiB: round(uploadPeak - before, 1),
  };
}

/** Alternates the 5,000-line baseline and the 50,000-line file, RUNS times each. */
export async function run(): Promise<IntakeRow[]> {
  const redis = await startRedis();
  const client = new Redis(redis.url);
  const stack = await startStack({
    redisUrl: redis.url,
    webhookSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    ollamaHost: 'http://127.0.0.1:9',
    apps: ['api'],
    env: { NIGHTSHIFT_MAX_QUEUED_PER_TENANT: '1000000000' },
  });
  const pid = stack.service('api').proc.pid as number;
  const files = new Map([
    [SMALL, inputFile(SMALL)],
    [BIG, inputFile(BIG)],
  ]);
  const rows: IntakeRow[] = [];
  try {
    await measure(stack.base, pid, files.get(SMALL) as Buffer, SMALL, 0); // warm-up
    await client.flushall();
    for (let i = 1; i <= RUNS; i++) {
      for (const lines of [SMALL, BIG]) {
        rows.push(await measure(stack.base, pid, files.get(lines) as Buffer, lines, i));
        await client.flushall();
      }
    }
  } finally {
    await stack.stop();
    client.disconnect();
    await redis.stop();
  }
  return rows;
}

/** Medians: the big file's accept time, and its RSS growth beyond the small file's. */
export function summarize(rows: IntakeRow[]): SummaryRow[] {
  const med = (lines: number, pick: (r: IntakeRow) => number) =>
    median(rows.filter((r) => r.lines === lines).map(pick));
  const total = (r: IntakeRow) => r.uploadMs + r.createMs;
  const acceptMs = med(BIG, total);
  const growth = med(BIG, (r) => r.rssGrowthMiB);
  const baseGrowth = med(SMALL, (r) => r.rssGrowthMiB);
  return [
    {
      benchmark: 'openai-batch-intake',
      figure: `upload + create a ${BIG}-line (~100 MB) batch, ms`,
      value: acceptMs,
      baseline: med(SMALL, total),
      ratio: round(acceptMs / med(SMALL, total), 1),
      goal: '< 10000 ms',
      met: acceptMs < 10_000,
    },
    {
      benchmark: 'openai-batch-intake',
      figure: `API peak RSS growth, ${BIG} lines, MiB (baseline: ${SMALL} lines)`,
      value: growth,
      baseline: baseGrowth,
      ratio: null,
      goal: '< 64 MiB above the baseline',
      met: growth - baseGrowth < 64,
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { printBenchmark } = await import('./support/summary.ts');
  const rows = await run();
  printBenchmark('OpenAI batch intake: 50,000 lines vs 5,000', rows, summarize(rows));
}
