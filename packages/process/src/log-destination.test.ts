import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('serviceLogDestination', () => {
  const module = fileURLToPath(new URL('./log-destination.ts', import.meta.url));
  /** A child process that logs 200 lines through the destination, then ends by `ending`. */
  const run = (ending: string) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          `import { pino } from 'pino';
           import { serviceLogDestination } from ${JSON.stringify(module)};
           const logger = pino({ name: 't' }, serviceLogDestination());
           for (let i = 0; i < 200; i++) logger.info({ i }, 'line');
           ${ending}`,
        ],
        { cwd: fileURLToPath(new URL('../../..', import.meta.url)), timeout: 20_000 },
        (error, stdout, stderr) =>
          resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
  const allLines = Array.from({ length: 200 }, (_, i) => i);
  const loggedNumbers = (stdout: string) =>
    stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { i: number }).i);

  it('writes out every line, in order, when the process exits on its own', async () => {
    const child = await run('');
    expect(child.status).toBe(0);
    expect(loggedNumbers(child.stdout)).toEqual(allLines);
  });

  it('writes them out in order through process.exit and an uncaught error too', async () => {
    const exited = await run('process.exit(3);');
    expect(exited.status).toBe(3);
    expect(loggedNumbers(exited.stdout)).toEqual(allLines);
    const crashed = await run("setTimeout(() => { throw new Error('boom'); }, 10);");
    expect(crashed.status).toBe(1);
    expect(crashed.stderr).toContain('boom');
    expect(loggedNumbers(crashed.stdout)).toEqual(allLines);
  });
});
