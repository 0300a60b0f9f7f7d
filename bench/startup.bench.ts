/**
 * Start-up time and idle memory of each app, run from TypeScript under tsx (development, the
 * old production command) and from the compiled dist/ with plain node (production now), in
 * the same run, alternating, on one real Redis.
 *
 * Start-up: from spawn until the app logs that it is ready (api: `api listening`, then a 200
 * from /healthz; worker: `worker running`; notifier: `notifier running`; scheduler:
 * `scheduler running`). Idle RSS: VmRSS 5 s after ready.
 *
 * Run: `npm run build && npx tsx bench/startup.bench.ts` (STARTUP_BENCH_ROUNDS=5 for more rounds; default 3).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort, startRedis } from '@nightshift/testkit/redis-harness';
import { rssMiB } from './support/rss.ts';
import { median, round, sleep } from './support/stats.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const apps = ['api', 'worker', 'notifier', 'scheduler'] as const;
type App = (typeof apps)[number];
const modes = ['tsx', 'dist'] as const;
type Mode = (typeof modes)[number];
const ready: Record<App, RegExp> = {
  api: /api listening/,
  worker: /worker running/,
  notifier: /notifier running/,
  scheduler: /scheduler running/,
};
const rounds = Number(process.env.STARTUP_BENCH_ROUNDS ?? 3);
const idleMs = 5_000;

/** The argv that starts an app in a mode. */
function argv(app: App, mode: Mode): string[] {
  return mode === 'tsx'
    ? ['--import', 'tsx', `apps/${app}/src/main.ts`]
    : [`apps/${app}/dist/main.js`];
}

/** Starts one app, times it to ready, waits `idleMs`, reads its RSS, stops it. */
async function measure(
  app: App,
  mode: Mode,
  redisUrl: string,
): Promise<{ startMs: number; rssMiB: number }> {
  const port = await freePort();
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, argv(app, mode), {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'production',
      REDIS_URL: redisUrl,
      PORT: String(port),
      NIGHTSHIFT_API_KEYS: 'bench:bench-key',
      NIGHTSHIFT_WEBHOOK_SECRET: 'whsec_dGVzdA==',
      // No Ollama here: `auto` would spend its first probe on a refused connection.
      NIGHTSHIFT_PROVIDER: 'extractive',
      NIGHTSHIFT_GPU_PROBE: 'none',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready[app].test(output)) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${app} (${mode}) exited ${code}: ${output}`)));
  });
  if (app === 'api') {
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    if (health.status !== 200) throw new Error(`api (${mode}) /healthz answered ${health.status}`);
  }
  const startMs = performance.now() - started;
  await sleep(idleMs);
  const rss = await rssMiB(child.pid as number);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  return { startMs, rssMiB: rss };
}

async function main(): Promise<void> {
  for (const app of apps) {
    if (!existsSync(`${root}/apps/${app}/dist/main.js`)) {
      throw new Error(`apps/${app}/dist/main.js is missing: run \`npm run build\` first`);
    }
  }
  const redis = await startRedis();
  const samples = new Map<string, { startMs: number[]; rssMiB: number[] }>();
  try {
    for (let round = 0; round < rounds; round++) {
      for (const app of apps) {
        // Alternating order, so neither mode always runs on a warmer disk cache.
        const order = round % 2 === 0 ? modes : [...modes].reverse();
        for (const mode of order) {
          const m = await measure(app, mode, redis.url);
          const key = `${app} ${mode}`;
          const list = samples.get(key) ?? { startMs: [], rssMiB: [] };
          list.startMs.push(m.startMs);
          list.rssMiB.push(m.rssMiB);
          samples.set(key, list);
        }
      }
    }
  } finally {
    await redis.stop();
  }
  console.log(`\nStart-up and idle RSS, median of ${rounds} rounds (node ${process.version})\n`);
  console.log(
    '| app | start-up tsx (ms) | start-up dist (ms) | idle RSS tsx (MiB) | idle RSS dist (MiB) |',
  );
  console.log('|---|---:|---:|---:|---:|');
  for (const app of apps) {
    const tsx = samples.get(`${app} tsx`);
    const dist = samples.get(`${app} dist`);
    if (!tsx || !dist) continue;
    console.log(
      `| ${app} | ${round(median(tsx.startMs), 0)} | ${round(median(dist.startMs), 0)} | ${round(median(tsx.rssMiB))} | ${round(median(dist.rssMiB))} |`,
    );
  }
  console.log('\nEvery sample (ms / MiB):');
  for (const [key, list] of samples) {
    console.log(
      `  ${key}: ${list.startMs.map((v) => round(v, 0)).join(', ')} / ${list.rssMiB.map((v) => round(v)).join(', ')}`,
    );
  }
}

await main();
