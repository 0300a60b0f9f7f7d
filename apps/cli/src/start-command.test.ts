import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliProcess, isAlive, runCliToEnd, spawnCli } from '../test-support/run-cli.ts';

let home: string;
let cli: CliProcess | undefined;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'nightshift-start-'));
});
afterAll(async () => {
  // Only if a test failed midway: the CLI's own exit hook SIGKILLs its children.
  if (cli && cli.proc.exitCode === null) {
    cli.proc.kill('SIGTERM');
    await cli.exited;
  }
  await rm(home, { recursive: true, force: true });
});

const pidsIn = (text: string) =>
  [...text.matchAll(/(?:started \w+|launched redis-server) \(pid (\d+)\)/g)].map((m) =>
    Number(m[1]),
  );

describe('nightshift start', () => {
  it('launches Redis and the apps, prints a working key and curl example, and stops on SIGINT', async () => {
    cli = spawnCli(['start'], {
      NIGHTSHIFT_HOME: home,
      NIGHTSHIFT_PROVIDER: 'extractive',
      NIGHTSHIFT_GPU_PROBE: 'none',
      PORT: '0',
    });
    await cli.waitForStdout(/Ctrl-C stops everything/);
    const out = cli.stdout();
    expect(out).toContain('NIGHTSHIFT_COLD_WINDOWS is unset');
    expect(out).toMatch(/Provider\s+extractive/);
    const redisDir = join(home, '.nightshift', 'redis');
    expect(out).toContain(`data in ${redisDir}`);

    // The printed curl command, replayed with fetch: URL, key and body exactly as printed.
    const curl =
      /curl -sS (http:\/\/127\.0\.0\.1:\d+)\/v1\/batches -H 'authorization: Bearer ([^']+)' \\\n\s+-H 'content-type: application\/json' \\\n\s+-d '([^']+)'/.exec(
        out,
      );
    expect(curl).not.toBeNull();
    const [, apiUrl, key, body] = curl as unknown as [string, string, string, string];
    const kept = await readFile(join(home, '.nightshift', 'dev.env'), 'utf8');
    expect(kept).toContain(`NIGHTSHIFT_API_KEYS=dev:${key}`);
    expect(kept).toMatch(/NIGHTSHIFT_WEBHOOK_SECRET=whsec_/);

    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const created = await fetch(`${apiUrl}/v1/batches`, { method: 'POST', headers, body });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    let status = '';
    for (let i = 0; i < 300 && status !== 'completed'; i++) {
      const batch = (await (await fetch(`${apiUrl}/v1/batches/${id}`, { headers })).json()) as {
        status: string;
      };
      status = batch.status;
      if (status !== 'completed') await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe('completed');
    const results = await (await fetch(`${apiUrl}/v1/batches/${id}/results`, { headers })).text();
    expect(JSON.parse(results.trim())).toMatchObject({ documentId: 'hello', status: 'succeeded' });

    // /metrics answers only to the token the banner printed.
    const metrics = /Metrics\s+(http:\/\/\S+\/metrics)\s+\(token (\S+);/.exec(out);
    expect(metrics).not.toBeNull();
    const [, metricsUrl, token] = metrics as unknown as [string, string, string];
    expect((await fetch(metricsUrl)).status).toBe(401);
    const scraped = await fetch(metricsUrl, { headers: { authorization: `Bearer ${token}` } });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('nightshift_queue_depth');

    const pids = pidsIn(out);
    expect(pids.length).toBeGreaterThanOrEqual(4); // redis-server, api, worker, notifier
    const redisPid = Number(await readFile(join(redisDir, 'redis.pid'), 'utf8'));
    expect(pids).toContain(redisPid);

    cli.proc.kill('SIGINT');
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toContain('redis-server stopped');
    for (const pid of pids) expect(isAlive(pid), `pid ${pid} still runs`).toBe(false);
  }, 60_000);

  it('never prints API keys or a webhook secret that came from the environment', async () => {
    const own = await mkdtemp(join(tmpdir(), 'nightshift-start-'));
    const key = 'ns_from-the-environment-0123456789abcdef';
    const secret = 'whsec_ZnJvbS10aGUtZW52aXJvbm1lbnQtMDEyMzQ1Njc4OWFi';
    const stack = spawnCli(['start', '--home', own], {
      NIGHTSHIFT_API_KEYS: `ops:${key},other:ns_second-key-abcdef0123456789`,
      NIGHTSHIFT_WEBHOOK_SECRET: secret,
      NIGHTSHIFT_PROVIDER: 'extractive',
      NIGHTSHIFT_GPU_PROBE: 'none',
      PORT: '0',
    });
    try {
      await stack.waitForStdout(/Ctrl-C stops everything/);
      const out = stack.stdout();
      for (const value of [key, secret, 'ns_second-key-abcdef0123456789']) {
        expect(out).not.toContain(value);
        expect(stack.stderr()).not.toContain(value);
      }
      expect(out).toContain('from NIGHTSHIFT_API_KEYS (tenant ops; not shown)');
      expect(out).toContain('from NIGHTSHIFT_WEBHOOK_SECRET (not shown)');
      // npm start binds loopback and prints the address it listens on; $KEY fills the examples.
      const url = /API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      expect(url).toBeDefined();
      const batches = await fetch(`${url}/v1/batches`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(batches.status).toBe(200);
      expect(out).toContain(`curl -sS ${url}/v1/batches -H "authorization: Bearer $KEY"`);
      stack.proc.kill('SIGINT');
      expect(await stack.exited).toBe(0);
    } finally {
      if (stack.proc.exitCode === null) stack.proc.kill('SIGTERM');
      await stack.exited;
      await rm(own, { recursive: true, force: true });
    }
  }, 60_000);

  it('stops the rest and exits 1 when a service dies', async () => {
    const own = await mkdtemp(join(tmpdir(), 'nightshift-start-'));
    const stack = spawnCli(['start', '--home', own], {
      NIGHTSHIFT_PROVIDER: 'extractive',
      NIGHTSHIFT_GPU_PROBE: 'none',
      PORT: '0',
    });
    try {
      await stack.waitForStdout(/Ctrl-C stops everything/);
      const pids = pidsIn(stack.stdout());
      const workerPid = Number(/started worker \(pid (\d+)\)/.exec(stack.stdout())?.[1]);
      process.kill(workerPid, 'SIGKILL');
      expect(await stack.exited).toBe(1);
      expect(stack.stdout()).toContain('worker exited unexpectedly (signal SIGKILL)');
      for (const pid of pids) expect(isAlive(pid), `pid ${pid} still runs`).toBe(false);
    } finally {
      if (stack.proc.exitCode === null) stack.proc.kill('SIGTERM');
      await stack.exited;
      await rm(own, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses with an install hint when redis-server is missing', async () => {
    const run = await runCliToEnd(['start'], {
      NIGHTSHIFT_HOME: home,
      NIGHTSHIFT_REDIS_SERVER: join(home, 'no-such-redis-server'),
      PORT: '0',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('apt-get install -y redis-server');
  });
});
