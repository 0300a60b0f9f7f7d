import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort, type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
let redis: RedisHarness;
let api: ChildProcess | undefined;
let output = '';

/** Runs a command in the repository root and gathers its output. */
function run(command: string, args: string[]): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, output }));
  });
}

beforeAll(async () => {
  // The production build of the api and the packages it imports (turbo orders and caches it).
  // Spawned, not spawnSync: a test worker blocked for minutes misses vitest's own RPC deadline.
  const build = await run('npx', ['turbo', 'run', 'build', '--filter=@nightshift/api']);
  if (build.status !== 0) throw new Error(`build failed:\n${build.output}`);
  redis = await startRedis();
  // Cached by turbo after the first run (about 10 s); a cold build on a busy 2-core machine
  // takes minutes.
}, 300_000);
afterAll(async () => {
  if (api && api.exitCode === null) {
    const exited = new Promise((resolve) => api?.once('exit', resolve));
    api.kill('SIGTERM');
    await exited;
  }
  await redis?.stop();
});

describe('the built api', () => {
  it('starts with plain node from apps/api/dist/main.js and answers /healthz on a real Redis', async () => {
    expect(existsSync(`${root}/apps/api/dist/main.js`)).toBe(true);
    const port = await freePort();
    // Plain node, no loader: any import that still pointed at a .ts source (or at a package's
    // src/) must fail here. Node 20 cannot run TypeScript; Node 22.18+ and 24 (the image's)
    // strip types by default, so there that is turned off.
    const stripsTypes = Boolean((process.features as { typescript?: unknown }).typescript);
    const noTypeScript = stripsTypes ? ['--no-experimental-strip-types'] : [];
    api = spawn(process.execPath, [...noTypeScript, 'apps/api/dist/main.js'], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        REDIS_URL: redis.url,
        PORT: String(port),
        NIGHTSHIFT_API_KEYS: 'team:team-key',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    api.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    api.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const listening = await waitFor(() => /api listening/.test(output) || api?.exitCode !== null);
    expect(listening, output).toBe(true);
    expect(api.exitCode, output).toBeNull();

    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    // The modules it runs are the compiled ones, not the sources.
    expect(output).not.toMatch(/ERR_MODULE_NOT_FOUND|ERR_UNKNOWN_FILE_EXTENSION/);
  });
});

/** Polls `check` every 50 ms for up to 20 s. */
async function waitFor(check: () => boolean): Promise<boolean> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}
