import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CliError, ExitCode } from './exit-codes.ts';
import { canConnect, freePort, isPortFree } from './net-ports.ts';

/** A `redis-server` that `nightshift start` launched and therefore shuts down. */
export interface LocalRedis {
  url: string;
  port: number;
  pid: number;
  /** Its data folder (AOF, pid file). */
  dir: string;
  /** Resolves with the exit code when the server exits, for whatever reason. */
  exited: Promise<number | null>;
  /** SIGTERM (Redis fsyncs the AOF and exits), SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
  /** SIGKILL now, synchronously (last-resort cleanup on process exit). */
  killNow(): void;
}

/** Options of {@link launchLocalRedis}. */
export interface LaunchLocalRedisOptions {
  /** Data folder, e.g. `.nightshift/redis`. */
  dir: string;
  /** The `redis-server` binary. */
  binary: string;
  /** Used when free, else any free port. Default 6390. */
  preferredPort?: number;
  /** Each line Redis prints. */
  onLine?: (line: string) => void;
}

/**
 * Launches `redis-server` the way the design wants it (AOF on, `noeviction`, loopback only)
 * with its data under `dir`, and waits until it accepts connections.
 *
 * @example
 * const redis = await launchLocalRedis({ dir: '.nightshift/redis', binary: 'redis-server' });
 * await redis.stop();
 */
export async function launchLocalRedis(options: LaunchLocalRedisOptions): Promise<LocalRedis> {
  const probe = spawnSync(options.binary, ['--version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    throw new CliError(
      ExitCode.usage,
      `'${options.binary}' is not installed, and REDIS_URL is unset.\n` +
        'Install it (Debian/Ubuntu: apt-get install -y redis-server) or point REDIS_URL at a Redis ' +
        'with maxmemory-policy noeviction.',
    );
  }
  await mkdir(options.dir, { recursive: true });
  const pidFile = join(options.dir, 'redis.pid');
  const stale = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (stale > 0 && isAlive(stale)) {
    throw new CliError(
      ExitCode.usage,
      `A redis-server (pid ${stale}) still runs on ${options.dir}, likely left by an earlier ` +
        `'nightshift start' that was killed. Stop it first: kill ${stale}`,
    );
  }
  const preferred = options.preferredPort ?? 6390;
  const port = (await isPortFree(preferred)) ? preferred : await freePort();
  // Its own process group: a terminal's Ctrl-C must not stop Redis before the apps drain.
  const proc = spawn(
    options.binary,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      options.dir,
      '--pidfile',
      pidFile,
      '--appendonly',
      'yes',
      '--save',
      '',
      '--maxmemory-policy',
      'noeviction',
      '--loglevel',
      'warning',
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  for (const stream of [proc.stdout, proc.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', (line) => options.onLine?.(line));
  }
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => resolve(code)),
  );
  await waitUntilListening(proc, port);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: proc.pid as number,
    dir: options.dir,
    exited,
    stop: (timeoutMs = 10_000) => stopProcess(proc, exited, timeoutMs),
    killNow: () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
}

async function waitUntilListening(proc: ChildProcess, port: number, timeoutMs = 10_000) {
  const spawnError = new Promise<Error>((resolve) => proc.once('error', resolve));
  let failure: Error | undefined;
  void spawnError.then((error) => {
    failure = error;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (failure) throw new CliError(ExitCode.usage, `redis-server failed: ${failure.message}`);
    if (proc.exitCode !== null) {
      throw new CliError(ExitCode.usage, `redis-server exited at start (code ${proc.exitCode}).`);
    }
    if (await canConnect(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill('SIGKILL');
  throw new CliError(ExitCode.usage, `redis-server did not listen on ${port} in ${timeoutMs} ms.`);
}

/** SIGTERM, then SIGKILL when the process outlives the timeout. */
export async function stopProcess(
  proc: ChildProcess,
  exited: Promise<unknown>,
  timeoutMs: number,
): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  if ((await Promise.race([exited, timedOut])) === 'timeout') {
    proc.kill('SIGKILL');
    await exited;
  }
  clearTimeout(timer);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
