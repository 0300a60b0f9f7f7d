/**
 * Webhook delivery (issue 4): deliveries per second to a healthy local receiver, and latency
 * from batch completion (the final event being enqueued) to receipt, through the real path:
 * `enqueueFinalEvent` → BullMQ `webhooks` queue → notifier sender (signing, SSRF-checked
 * dispatcher, delivery log) → receiver. Baseline, side by side in the same run: raw undici
 * POSTs of the same body to the same receiver at the same concurrency, no queue, no signing.
 *
 * Two loads: a burst (every event enqueued at once: throughput) and a paced stream below
 * capacity (latency as a user sees it on a normal night). Goal: ≥ 500/s, p99 < 250 ms.
 *
 * Run: `npx tsx bench/webhooks.bench.ts` (spawns its own redis-server, or uses REDIS_URL).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { enqueueFinalEvent } from '@nightshift/batches';
import type { BatchObject } from '@nightshift/core';
import { createRedis } from '@nightshift/redis';
import { startRedis } from '@nightshift/testkit/redis-harness';
import {
  attemptsForSchedule,
  DeliveryLog,
  generateWebhookSecret,
  parseRetrySchedule,
  WEBHOOK_BACKOFF_TYPE,
  WebhookOutbox,
} from '@nightshift/webhooks';
import { Agent, request } from 'undici';

/** One measured load. */
export interface WebhookBenchRow {
  /** `burst N` (all at once) or `paced N @ R/s`. */
  load: string;
  /** `notifier` (queue + signing + log) or `raw POST` (baseline). */
  path: string;
  /** Deliveries received per second, first send to last receipt. */
  perSecond: number;
  /** Enqueue (or send) to receipt, in ms. */
  p50Ms: number;
  p99Ms: number;
  /** notifier ÷ baseline: throughput share for bursts; p99 multiple for paced loads. */
  ratio: number | null;
}

const CONCURRENCY = 32;
const BURST = 3_000;
const PACED = 1_000;
const PACE_PER_S = 250;

/** A receiver that answers 204 at once and notes when each id arrived. */
async function fastReceiver(): Promise<{ server: Server; url: string; seen: Map<string, number> }> {
  const seen = new Map<string, number>();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = req.headers['webhook-id'];
      if (typeof id === 'string' && !seen.has(id)) seen.set(id, performance.now());
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/hooks`, seen };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
};
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

function batchFor(i: number, url: string): BatchObject {
  const at = new Date().toISOString();
  return {
    id: `batch_bench${String(i).padStart(8, '0')}${Math.random().toString(36).slice(2, 8)}`,
    object: 'batch',
    status: 'completed',
    counts: {
      total: 10,
      queued: 0,
      running: 0,
      succeeded: 10,
      failed: 0,
      cancelled: 0,
      expired: 0,
    },
    model: 'qwen3:32b',
    summary: {},
    usage: { promptTokens: 12_000, completionTokens: 900, gpuSeconds: 31.5, energyWh: 4.2 },
    metadata: { source: 'bench' },
    webhook: { url, events: [] },
    completionWindow: '24h',
    scheduleId: null,
    createdAt: at,
    startedAt: at,
    completedAt: at,
    cancelledAt: null,
    expiresAt: at,
  };
}

/** Sends `count` items through `send`, `ratePerS` at a time or all at once; waits for receipts. */
async function drive(
  count: number,
  ratePerS: number | null,
  send: (i: number) => Promise<string>,
  seen: Map<string, number>,
  maxInFlight: number,
) {
  const started = new Map<string, number>();
  const t0 = performance.now();
  let next = 0;
  const workers = Array.from({ length: maxInFlight }, async () => {
    while (next < count) {
      const i = next++;
      if (ratePerS) {
        const due = t0 + (i * 1000) / ratePerS;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      const at = performance.now();
      const id = await send(i);
      started.set(id, at);
    }
  });
  await Promise.all(workers);
  while ([...started.keys()].some((id) => !seen.has(id))) {
    await new Promise((r) => setTimeout(r, 5));
  }
  const latencies = [...started].map(([id, at]) => (seen.get(id) as number) - at);
  const last = Math.max(...[...started.keys()].map((id) => seen.get(id) as number));
  return {
    perSecond: round(count / ((last - t0) / 1000), 0),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
  };
}

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

function spawnNotifier(env: Record<string, string>): ChildProcess {
  return spawn('npx', ['tsx', 'apps/notifier/src/main.ts'], {
    cwd: repoRoot,
    detached: true, // its own process group: stopping it reaches tsx's node, not only npx
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid, 'SIGTERM');
  await exited;
}

/** Runs the benchmark; returns the table's rows. */
export async function run(): Promise<WebhookBenchRow[]> {
  const redis = await startRedis();
  const client = createRedis(redis.url, 'client');
  const blocking = createRedis(redis.url, 'worker');
  const receiver = await fastReceiver();
  const secret = generateWebhookSecret();
  const schedule = parseRetrySchedule('0s,5s,5m');
  const deliveries = new DeliveryLog(client, 3_600_000);
  const outbox = new WebhookOutbox({
    connection: client,
    deliveries,
    attempts: attemptsForSchedule(schedule),
    backoffType: WEBHOOK_BACKOFF_TYPE,
    keepMs: 3_600_000,
  });
  // The notifier runs as in production: its own process, configured by environment.
  const notifier = spawnNotifier({
    REDIS_URL: redis.url,
    NIGHTSHIFT_WEBHOOK_SECRET: secret,
    NIGHTSHIFT_WEBHOOK_ALLOW_LIST: '127.0.0.1/32',
    NIGHTSHIFT_WEBHOOK_RETRY_SCHEDULE: '0s,5s,5m',
    NIGHTSHIFT_NOTIFIER_CONCURRENCY: String(CONCURRENCY),
    NIGHTSHIFT_LOG_LEVEL: 'warn',
  });
  const raw = new Agent({ connections: CONCURRENCY });
  const bodyOf = (i: number) =>
    JSON.stringify({
      type: 'batch.completed',
      timestamp: new Date().toISOString(),
      data: batchFor(i, receiver.url),
    });

  const viaNotifier = async (i: number) =>
    (await enqueueFinalEvent(outbox, batchFor(i, receiver.url), 'bench')) as string;
  let rawSeq = 0;
  const viaRaw = async (i: number) => {
    const id = `msg_raw${rawSeq++}`;
    const res = await request(receiver.url, {
      method: 'POST',
      dispatcher: raw,
      headers: { 'content-type': 'application/json', 'webhook-id': id },
      body: bodyOf(i),
    });
    await res.body.dump();
    return id;
  };

  const rows: WebhookBenchRow[] = [];
  try {
    // Warm both paths (JIT, connections, scripts) before measuring.
    await drive(200, null, viaNotifier, receiver.seen, CONCURRENCY);
    await drive(200, null, viaRaw, receiver.seen, CONCURRENCY);

    const burstRaw = await drive(BURST, null, viaRaw, receiver.seen, CONCURRENCY);
    const burst = await drive(BURST, null, viaNotifier, receiver.seen, 64);
    rows.push(
      { load: `burst ${BURST}`, path: 'raw POST', ...burstRaw, ratio: null },
      {
        load: `burst ${BURST}`,
        path: 'notifier',
        ...burst,
        ratio: round(burst.perSecond / burstRaw.perSecond, 2),
      },
    );
    const pacedLoad = `paced ${PACED} @ ${PACE_PER_S}/s`;
    const pacedRaw = await drive(PACED, PACE_PER_S, viaRaw, receiver.seen, CONCURRENCY);
    const paced = await drive(PACED, PACE_PER_S, viaNotifier, receiver.seen, CONCURRENCY);
    rows.push(
      { load: pacedLoad, path: 'raw POST', ...pacedRaw, ratio: null },
      {
        load: pacedLoad,
        path: 'notifier',
        ...paced,
        ratio: round(paced.p99Ms / pacedRaw.p99Ms, 1),
      },
    );
  } finally {
    await stopProcess(notifier);
    await outbox.close();
    await raw.close();
    receiver.server.close();
    receiver.server.closeAllConnections();
    client.disconnect();
    blocking.disconnect();
    await redis.stop();
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await run();
  console.log('Webhook delivery: notifier (queue + signing + log) vs raw POSTs, same receiver');
  console.table(rows);
  const burst = rows.find((r) => r.path === 'notifier' && r.load.startsWith('burst'));
  const paced = rows.find((r) => r.path === 'notifier' && r.load.startsWith('paced'));
  console.log(
    `goal ≥ 500/s: ${burst && burst.perSecond >= 500 ? 'met' : 'missed'} (${burst?.perSecond}/s); ` +
      `goal p99 < 250 ms: ${paced && paced.p99Ms < 250 ? 'met' : 'missed'} (${paced?.p99Ms} ms)`,
  );
}
