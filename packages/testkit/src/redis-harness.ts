import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A Redis that a test owns: where it listens and how to hurt it. */
export interface RedisHarness {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** How it was obtained: a spawned `redis-server`, `REDIS_URL`, or a testcontainers container. */
  kind: 'spawned' | 'external' | 'container';
  /** Data folder of a spawned server (AOF lives here). */
  dir?: string;
  /** Process id of a spawned server while it runs (benchmarks read its CPU time). */
  pid?(): number | undefined;
  /** Stops the server cleanly and removes its folder. */
  stop(): Promise<void>;
  /** SIGKILLs the server (no shutdown save); `start()` brings it back from its AOF on the same port. */
  kill(): Promise<void>;
  /** Starts a killed or stopped server again on the same port and folder. */
  start(): Promise<void>;
  /** kill() then start(): a crash and recovery from the append-only file. */
  restart(): Promise<void>;
}

/** Options of {@link startRedis}. */
export interface StartRedisOptions {
  /** Use this Redis instead of spawning one (kill/restart are then unavailable). Default: `process.env.REDIS_URL`. */
  url?: string;
  /** `redis-server` binary. Default: `redis-server` on PATH. */
  binary?: string;
}

/**
 * Gives a test a real Redis: `REDIS_URL` if set, else a `redis-server` spawned on a free port with
 * its own data folder (AOF on, noeviction), else a testcontainers Redis where a Docker engine runs.
 *
 * @example
 * const redis = await startRedis();
 * const connection = new Redis(redis.url);
 * await redis.restart(); // crash + AOF recovery
 * await redis.stop();
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisHarness> {
  const url = options.url ?? process.env.REDIS_URL;
  if (url) return externalRedis(url);
  const binary = options.binary ?? 'redis-server';
  if (hasBinary(binary)) return spawnRedis(binary);
  const container = await containerRedis().catch((error: unknown) => error as Error);
  if (!(container instanceof Error)) return container;
  throw new Error(
    `No Redis for tests: REDIS_URL is unset, '${binary}' is not on PATH (apt-get install -y redis-server), ` +
      `and no Docker engine answered testcontainers (${container.message}).`,
  );
}

function externalRedis(url: string): RedisHarness {
  const unsupported = async () => {
    throw new Error('This Redis comes from REDIS_URL: the harness cannot kill or restart it.');
  };
  return {
    url,
    port: Number(new URL(url).port || 6379),
    kind: 'external',
    stop: async () => {},
    kill: unsupported,
    start: unsupported,
    restart: unsupported,
  };
}

function hasBinary(binary: string): boolean {
  return spawnSync(binary, ['--version'], { stdio: 'ignore' }).status === 0;
}

async function spawnRedis(binary: string): Promise<RedisHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'nightshift-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;

  const start = async () => {
    if (child && child.exitCode === null && child.signalCode === null) return; // already up
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--save',
      '',
      '--maxmemory-policy',
      'noeviction',
      '--protected-mode',
      'no',
      '--loglevel',
      'warning',
    ];
    const proc = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    await waitForPort(port, proc);
  };
  const signal = async (sig: NodeJS.Signals) => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill(sig);
    await exited;
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kind: 'spawned',
    dir,
    pid: () => child?.pid,
    start,
    kill: () => signal('SIGKILL'),
    restart: async () => {
      await signal('SIGKILL');
      await start();
    },
    stop: async () => {
      await signal('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function containerRedis(): Promise<RedisHarness> {
  // Loaded lazily: testcontainers is only needed where no redis-server binary exists.
  const { GenericContainer } = await import('testcontainers');
  const container = await new GenericContainer('redis:7')
    .withCommand(['redis-server', '--appendonly', 'yes', '--maxmemory-policy', 'noeviction'])
    .withExposedPorts(6379)
    .start();
  const port = container.getMappedPort(6379);
  return {
    url: `redis://${container.getHost()}:${port}`,
    port,
    kind: 'container',
    stop: async () => {
      await container.stop();
    },
    kill: async () => {
      await container.stop({ timeout: 0, remove: false } as never);
    },
    start: async () => {
      throw new Error('restart of a container Redis is not supported; use a local redis-server');
    },
    restart: async () => {
      await container.restart();
    },
  };
}

/** Asks the OS for a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, proc: ChildProcess, timeoutMs = 10_000): Promise<void> {
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null)
      throw new Error(`redis-server exited (${proc.exitCode}): ${stderr}`);
    if (await canConnect(port)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`redis-server did not listen on ${port} within ${timeoutMs} ms: ${stderr}`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
