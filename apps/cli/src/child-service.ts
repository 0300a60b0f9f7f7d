import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { stopProcess } from './local-redis.ts';

/** One app of the stack running as a child process. */
export interface ChildService {
  name: string;
  pid: number;
  /** Resolves when it exits, with its code or signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first line (past or future) that matches; rejects on exit or timeout. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** SIGTERM (the app drains), SIGKILL after `timeoutMs`. */
  stop(timeoutMs: number): Promise<void>;
  /** SIGKILL now, synchronously (last-resort cleanup on process exit). */
  killNow(): void;
}

/** Options of {@link spawnApp}. */
export interface SpawnAppOptions {
  /** App folder name under `apps/`. */
  name: string;
  /** Monorepo root. */
  root: string;
  /** The whole environment of the child. */
  env: Record<string, string | undefined>;
  /** Each line it prints, stdout and stderr alike. */
  onLine: (line: string) => void;
}

/**
 * Starts `apps/<name>/src/main.ts` under tsx, in its own process group so that only this CLI
 * decides when and in what order the stack stops.
 *
 * @example
 * const api = spawnApp({ name: 'api', root, env, onLine: (l) => console.log(l) });
 * await api.waitForLine(/api listening/, 30_000);
 */
export function spawnApp(options: SpawnAppOptions): ChildService {
  const proc: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', `apps/${options.name}/src/main.ts`],
    { cwd: options.root, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: string[] = [];
  const waiters = new Set<(line: string) => void>();
  for (const stream of [proc.stdout, proc.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      if (lines.length > 200) lines.shift();
      options.onLine(line);
      for (const waiter of waiters) waiter(line);
    });
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    name: options.name,
    pid: proc.pid as number,
    exited,
    waitForLine(pattern, timeoutMs) {
      const seen = lines.find((line) => pattern.test(line));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const done = () => {
          waiters.delete(check);
          clearTimeout(timer);
        };
        const check = (line: string) => {
          if (!pattern.test(line)) return;
          done();
          resolve(line);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${options.name} did not get ready within ${timeoutMs / 1000} s`));
        }, timeoutMs);
        waiters.add(check);
        void exited.then(({ code, signal }) => {
          if (!waiters.has(check)) return;
          done();
          reject(new Error(`${options.name} exited during start-up (${signal ?? `code ${code}`})`));
        });
      });
    },
    stop: (timeoutMs) => stopProcess(proc, exited, timeoutMs),
    killNow: () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
}
