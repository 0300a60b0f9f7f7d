import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** One Nightshift app running as a real child process, as in production. */
export interface ServiceProcess {
  name: string;
  proc: ChildProcess;
  /** Everything it printed (pino JSON lines and anything else). */
  output(): string;
  /** Resolves when a printed line matches. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** SIGTERM (graceful drain) and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: a crash, no cleanup. */
  kill(): Promise<void>;
}

/**
 * Starts `apps/<name>/src/main.ts` under tsx with the given environment (merged over a minimal
 * one, never the test runner's own variables).
 *
 * @example
 * const api = await startService('api', { REDIS_URL, PORT: '0', NIGHTSHIFT_API_KEYS: 'a:k' });
 */
export function startService(name: string, env: Record<string, string>): ServiceProcess {
  // SERVICE_NODE_ARGS adds node flags to every app, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`
  // to profile the apps of a benchmark (docs/PERFORMANCE.md).
  const nodeArgs = process.env.SERVICE_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  // SERVICE_ROOT runs the apps of another checkout (with its own node_modules), e.g. the commit
  // before a change, to compare the two side by side (bench/compare-stacks.ts).
  const proc = spawn(
    process.execPath,
    [...nodeArgs, '--import', 'tsx', `apps/${name}/src/main.ts`],
    {
      cwd: process.env.SERVICE_ROOT || root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  proc.stdout?.on('data', collect);
  proc.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => resolve(code)),
  );
  // A test or benchmark that crashes or is killed by a timeout must not leave its apps behind,
  // polling a Redis that is gone and taking CPU from whatever runs next.
  const orphanGuard = () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  };
  process.once('exit', orphanGuard);
  void exited.then(() => process.off('exit', orphanGuard));

  return {
    name,
    proc,
    output: () => output,
    waitForOutput(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(output)) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`${name} did not print ${pattern} within ${timeoutMs} ms:\n${output}`));
        }, timeoutMs);
        listeners.add(check);
        void exited.then((code) => {
          if (listeners.has(check)) {
            listeners.delete(check);
            clearTimeout(timer);
            reject(new Error(`${name} exited (${code}) before printing ${pattern}:\n${output}`));
          }
        });
        check();
      });
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * The pino JSON lines a service printed. A line cut short by a `kill -9` is skipped.
 *
 * @example
 * const finished = jsonLines(worker.output()).filter((l) => l.msg === 'document finished');
 */
export function jsonLines(output: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // the last line of a killed process
    }
  }
  return lines;
}
