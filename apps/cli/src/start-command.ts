import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@nightshift/core';
import { type ChildService, spawnApp } from './child-service.ts';
import { type CliIo, parseCommand, usageError } from './cli-args.ts';
import { ensureDevSecrets, firstKey } from './dev-secrets.ts';
import { CliError, ExitCode, type ExitCodeValue } from './exit-codes.ts';
import { type LocalRedis, launchLocalRedis } from './local-redis.ts';
import { formatLogLine, redisMessage } from './log-line.ts';
import { isPortFree } from './net-ports.ts';
import { dataDirFor, repoRoot, stackServices } from './paths.ts';
import { describeProvider, readyBanner } from './ready-banner.ts';

const startupTimeoutMs = 60_000;
/** A little over the apps' own 30 s drain limit, so they get to finish first. */
const drainTimeoutMs = 35_000;

type Outcome =
  | { kind: 'ready'; url: string; provider: string }
  | { kind: 'failed'; error: Error }
  | { kind: 'exit'; name: string; code: number | null; signal: NodeJS.Signals | null }
  | { kind: 'signal' };

/**
 * `nightshift start`: the whole stack on one machine. Launches `redis-server` when `REDIS_URL`
 * is unset, fills in dev secrets, starts every app as a child with pretty-printed logs, prints
 * the ready banner, and on SIGINT/SIGTERM (`io.signal`) stops the apps, then its own Redis.
 * Returns 0 after a requested stop, 1 when a child died or the stack could not start.
 *
 * @example
 * process.exitCode = await startCommand([], { stdout, stderr, env: process.env, signal });
 */
export async function startCommand(args: string[], io: CliIo): Promise<ExitCodeValue> {
  const { values, positionals } = parseCommand('start', args, { home: { type: 'string' } });
  if (positionals.length > 0) throw usageError('start', 'takes no arguments');
  const env = io.env;
  const dataDir = dataDirFor(values.home ?? env.NIGHTSHIFT_HOME);
  await mkdir(dataDir, { recursive: true });
  const color = Boolean(io.stdout.isTTY) && !env.NO_COLOR;
  const say = (line: string) =>
    io.stdout.write(`${formatLogLine('nightshift', line, { color })}\n`);
  const printLog = (service: string) => (line: string) =>
    io.stdout.write(`${formatLogLine(service, line, { color })}\n`);

  const secrets = await ensureDevSecrets({ dataDir, env });
  const example = firstKey(secrets.apiKeys);
  if (!example) throw usageError('start', 'NIGHTSHIFT_API_KEYS holds no tenant:key pair');
  const stackEnv: Record<string, string | undefined> = {
    ...env,
    NIGHTSHIFT_API_KEYS: secrets.apiKeys,
    NIGHTSHIFT_WEBHOOK_SECRET: secrets.webhookSecret,
    NIGHTSHIFT_METRICS_TOKEN: secrets.metricsToken,
  };
  if (!env.NIGHTSHIFT_COLD_WINDOWS) {
    stackEnv.NIGHTSHIFT_COLD_WINDOWS = 'always';
    say(
      'NIGHTSHIFT_COLD_WINDOWS is unset: the local stack uses "always", so batches run at any ' +
        'hour (set e.g. 22:00-06:00 to try off-peak windows).',
    );
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(stackEnv);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(ExitCode.usage, error.message);
    throw error;
  }
  if (config.PORT !== 0 && !(await isPortFree(config.PORT))) {
    throw new CliError(
      ExitCode.usage,
      `Port ${config.PORT} is taken; set PORT to a free one (PORT=0 picks any).`,
    );
  }

  let redis: LocalRedis | undefined;
  const children: ChildService[] = [];
  // Last resort if this process dies in an unplanned way: never leave orphans behind.
  const killAll = () => {
    for (const child of children) child.killNow();
    redis?.killNow();
  };
  process.once('exit', killAll);
  const stopRequested = new Promise<Outcome>((resolve) => {
    if (io.signal?.aborted) resolve({ kind: 'signal' });
    io.signal?.addEventListener('abort', () => resolve({ kind: 'signal' }), { once: true });
  });

  try {
    if (!env.REDIS_URL) {
      redis = await launchLocalRedis({
        dir: join(dataDir, 'redis'),
        binary: env.NIGHTSHIFT_REDIS_SERVER ?? 'redis-server',
        onLine: (line) => {
          const message = redisMessage(line);
          if (message !== undefined) printLog('redis')(message);
        },
      });
      stackEnv.REDIS_URL = redis.url;
      say(`launched redis-server (pid ${redis.pid}) at ${redis.url}, data in ${redis.dir}`);
    }
    const { services, skipped } = stackServices();
    for (const name of skipped) say(`apps/${name}/src/main.ts does not exist yet: no ${name}`);
    for (const name of services) {
      const child = spawnApp({ name, root: repoRoot, env: stackEnv, onLine: printLog(name) });
      children.push(child);
      say(`started ${name} (pid ${child.pid})`);
    }
    const died = firstExit(children, redis);
    const ready = waitForStack(children, config.OLLAMA_HOST).catch(
      (error: Error): Outcome => ({ kind: 'failed', error }),
    );
    const started = await Promise.race([ready, died, stopRequested]);
    if (started.kind === 'ready') {
      const apiUrl = started.url;
      io.stdout.write(
        readyBanner({
          apiUrl,
          key: example.key,
          tenant: example.tenant,
          keySource: secrets.apiKeysSource,
          webhookSecret: secrets.webhookSecret,
          webhookSecretSource: secrets.webhookSecretSource,
          metricsToken: secrets.metricsToken,
          metricsTokenSource: secrets.metricsTokenSource,
          secretsFile: secrets.file,
          redisUrl: stackEnv.REDIS_URL as string,
          redisDir: redis?.dir,
          provider: started.provider,
          services,
        }),
      );
    }
    const outcome = started.kind === 'ready' ? await Promise.race([died, stopRequested]) : started;
    if (outcome.kind === 'signal') {
      say('stopping…');
      await shutdown(children, redis, say);
      return ExitCode.ok;
    }
    if (outcome.kind === 'exit') {
      const how = outcome.signal ? `signal ${outcome.signal}` : `code ${outcome.code}`;
      say(`${outcome.name} exited unexpectedly (${how}); stopping the rest.`);
    } else if (outcome.kind === 'failed') {
      say(`the stack did not come up: ${outcome.error.message}; stopping.`);
    }
    await shutdown(children, redis, say);
    return ExitCode.usage;
  } catch (error) {
    await shutdown(children, redis, say);
    throw error;
  } finally {
    process.off('exit', killAll);
  }
}

async function waitForStack(children: ChildService[], ollamaHost: string): Promise<Outcome> {
  const byName = new Map(children.map((c) => [c.name, c]));
  const api = byName.get('api') as ChildService;
  const worker = byName.get('worker') as ChildService;
  const listening = JSON.parse(await api.waitForLine(/"msg":"api listening"/, startupTimeoutMs));
  const url = reachableUrl(String(listening.host ?? '127.0.0.1'), Number(listening.port));
  const [providerLine] = await Promise.all([
    worker.waitForLine(/"msg":"summarization provider"/, startupTimeoutMs),
    worker.waitForLine(/"msg":"worker running"/, startupTimeoutMs),
    byName.get('notifier')?.waitForLine(/"msg":"notifier running"/, startupTimeoutMs),
    waitForReadyz(`${url}/readyz`, startupTimeoutMs),
  ]);
  return { kind: 'ready', url, provider: describeProvider(JSON.parse(providerLine), ollamaHost) };
}

/** The URL to print for the address the API bound: a wildcard (`HOST=0.0.0.0`) is reached on loopback. */
function reachableUrl(host: string, port: number): string {
  if (host === '0.0.0.0' || host === '::') return `http://127.0.0.1:${port}`;
  return host.includes(':') ? `http://[${host}]:${port}` : `http://${host}:${port}`;
}

async function waitForReadyz(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url)
      .then(async (response) => {
        await response.body?.cancel();
        return response.ok;
      })
      .catch(() => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000} s`);
}

function firstExit(children: ChildService[], redis: LocalRedis | undefined): Promise<Outcome> {
  return Promise.race([
    ...children.map((child) =>
      child.exited.then(
        ({ code, signal }): Outcome => ({ kind: 'exit', name: child.name, code, signal }),
      ),
    ),
    ...(redis
      ? [
          redis.exited.then(
            (code): Outcome => ({ kind: 'exit', name: 'redis-server', code, signal: null }),
          ),
        ]
      : []),
  ]);
}

/** Apps first (they drain against a live Redis), then the Redis this CLI launched. */
async function shutdown(
  children: ChildService[],
  redis: LocalRedis | undefined,
  say: (line: string) => void,
): Promise<void> {
  await Promise.all(children.map((child) => child.stop(drainTimeoutMs)));
  if (redis) {
    await redis.stop();
    say('redis-server stopped');
  }
  say('stopped');
}
