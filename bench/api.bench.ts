/**
 * API intake (issue 7): `POST /v1/batches` with 100 small documents under load (autocannon,
 * 10 connections), requests/s and p99, against a bare Hono route on @hono/node-server that only
 * parses the same JSON and answers 202 — both as their own processes, measured alternately.
 * Then the time to accept one 10,000-document batch (goal < 2 s), and to cancel it while all
 * of it still waits (no worker runs here; no goal in the issue, < 2 s like the accept is ours).
 *
 * Run: `npx tsx bench/api.bench.ts` (spawns its own redis-server, or uses REDIS_URL).
 */
import { startRedis } from '@nightshift/testkit/redis-harness';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { stackKey, startStack } from '../test/support/stack.ts';
import { startScript, stopScript } from './support/child-script.ts';
import { median, round } from './support/stats.ts';
import type { SummaryRow } from './support/summary.ts';

/** One measurement. */
export interface ApiRow {
  /** `load: bare hono`, `load: nightshift`, `accept 10000 docs` or `cancel 10000 docs`. */
  what: string;
  run: number;
  /** Requests per second (load rows). */
  reqPerSecond: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  /** Requests that did not answer 2xx, plus socket errors (load rows). */
  failures: number | null;
  /** Time to the 202 (accept rows) or to the cancel's answer (cancel rows). */
  acceptMs: number | null;
}

const RUNS = 3;
const LOAD_SECONDS = 4;
const CONNECTIONS = 10;
const BIG = 10_000;

const body = (count: number) =>
  JSON.stringify({
    documents: Array.from({ length: count }, (_, i) => ({
      id: `doc-${i}`,
      text: `Document ${i}: the GPU stayed under 72% during the day and drained the batch at night.`,
    })),
  });

async function load(url: string, what: string, run: number, seconds: number): Promise<ApiRow> {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stackKey}` },
    body: body(100),
    connections: CONNECTIONS,
    duration: seconds,
  });
  return {
    what,
    run,
    reqPerSecond: round(result.requests.average, 0),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    failures: result.non2xx + result.errors,
    acceptMs: null,
  };
}

/** Runs the load RUNS times per server (alternating) and the big accept RUNS times. */
export async function run(): Promise<ApiRow[]> {
  const redis = await startRedis();
  const client = new Redis(redis.url);
  const stack = await startStack({
    redisUrl: redis.url,
    webhookSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    ollamaHost: 'http://127.0.0.1:9',
    apps: ['api'],
    // Throughput is the point here, not the per-tenant limits.
    env: {
      NIGHTSHIFT_BATCH_RATE_PER_MIN: '1000000000',
      NIGHTSHIFT_BATCH_BURST: '1000000000',
      NIGHTSHIFT_MAX_QUEUED_PER_TENANT: '1000000000',
    },
  });
  const bare = await startScript('bench/support/bare-hono-server.ts', /bare listening (\d+)/);
  const bareUrl = `http://127.0.0.1:${bare.match[1]}/v1/batches`;
  const apiUrl = `${stack.base}/v1/batches`;
  const rows: ApiRow[] = [];
  try {
    await load(bareUrl, 'warm-up', 0, 1);
    await load(apiUrl, 'warm-up', 0, 1);
    await client.flushall();
    for (let i = 1; i <= RUNS; i++) {
      rows.push(await load(bareUrl, 'load: bare hono', i, LOAD_SECONDS));
      rows.push(await load(apiUrl, 'load: nightshift', i, LOAD_SECONDS));
      await client.flushall(); // the accepted jobs are not part of the next run
    }
    const big = body(BIG);
    for (let i = 1; i <= RUNS; i++) {
      const started = performance.now();
      const response = await fetch(apiUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${stackKey}` },
        body: big,
      });
      const accepted = (await response.json()) as { id: string };
      if (response.status !== 202) throw new Error(`big batch answered ${response.status}`);
      const acceptMs = performance.now() - started;
      const cancelStarted = performance.now();
      const cancel = await fetch(`${apiUrl}/${accepted.id}/cancel`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stackKey}` },
      });
      const cancelled = (await cancel.json()) as { status: string; counts: { cancelled: number } };
      const cancelMs = performance.now() - cancelStarted;
      if (cancelled.counts?.cancelled !== BIG) {
        throw new Error(`cancel answered ${cancel.status}: ${JSON.stringify(cancelled)}`);
      }
      const row = { run: i, reqPerSecond: null, p50Ms: null, p99Ms: null, failures: null };
      rows.push({ ...row, what: `accept ${BIG} docs`, acceptMs: round(acceptMs, 0) });
      rows.push({ ...row, what: `cancel ${BIG} docs`, acceptMs: round(cancelMs, 0) });
      await client.flushall();
    }
  } finally {
    await stopScript(bare.child);
    await stack.stop();
    client.disconnect();
    await redis.stop();
  }
  return rows;
}

/** Medians: throughput share and p99 multiple against the bare route; big-batch accept and cancel times. */
export function summarize(rows: ApiRow[]): SummaryRow[] {
  const med = (what: string, key: 'reqPerSecond' | 'p99Ms' | 'acceptMs') =>
    median(rows.filter((r) => r.what === what).map((r) => r[key] ?? Number.NaN));
  const rps = med('load: nightshift', 'reqPerSecond');
  const bareRps = med('load: bare hono', 'reqPerSecond');
  const p99 = med('load: nightshift', 'p99Ms');
  const bareP99 = med('load: bare hono', 'p99Ms');
  const accept = med(`accept ${BIG} docs`, 'acceptMs');
  const cancel = med(`cancel ${BIG} docs`, 'acceptMs');
  return [
    {
      benchmark: 'api',
      figure: `POST /v1/batches (100 docs) req/s, ${CONNECTIONS} conns`,
      value: rps,
      baseline: bareRps,
      ratio: round(rps / bareRps, 2),
      goal: 'none (shown vs bare Hono)',
      met: null,
    },
    {
      benchmark: 'api',
      figure: 'POST /v1/batches (100 docs) p99 ms',
      value: p99,
      baseline: bareP99,
      ratio: round(p99 / bareP99, 1),
      goal: 'none (shown vs bare Hono)',
      met: null,
    },
    {
      benchmark: 'api',
      figure: `accept one ${BIG}-document batch, ms`,
      value: accept,
      baseline: null,
      ratio: null,
      goal: '< 2000 ms',
      met: accept < 2000,
    },
    {
      benchmark: 'api',
      figure: `cancel that batch, all ${BIG} documents waiting, ms`,
      value: cancel,
      baseline: null,
      ratio: null,
      goal: '< 2000 ms (ours)',
      met: cancel < 2000,
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { printBenchmark } = await import('./support/summary.ts');
  const rows = await run();
  printBenchmark(
    'API intake: Nightshift vs a bare Hono route, same machine',
    rows,
    summarize(rows),
  );
}
