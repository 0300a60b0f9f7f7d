import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { BatchedLines, type LineSink } from './log-destination.ts';

/** A sink that keeps what it is handed, and how often it was asked to write out. */
function keepingSink() {
  const chunks: string[] = [];
  let syncFlushes = 0;
  const sink: LineSink = {
    write: (chunk: string) => chunks.push(chunk),
    flushSync: () => {
      syncFlushes++;
    },
  };
  return { sink, chunks, syncFlushes: () => syncFlushes };
}

describe('BatchedLines', () => {
  it('hands lines on joined and in order once they reach minChars, and the rest on flush', () => {
    const { sink, chunks } = keepingSink();
    const lines = new BatchedLines(sink, { minChars: 10 });
    lines.write('aaaa\n');
    expect(chunks).toEqual([]);
    lines.write('bbbb\n'); // 10 characters: handed on as one chunk
    expect(chunks).toEqual(['aaaa\nbbbb\n']);
    lines.write('cc\n');
    lines.flush();
    lines.flush(); // nothing gathered: nothing handed on
    expect(chunks).toEqual(['aaaa\nbbbb\n', 'cc\n']);
  });

  it("calls pino's flush callback once the sink has written the lines out", async () => {
    const chunks: string[] = [];
    let written = 0;
    const sink: LineSink = {
      write: (chunk: string) => chunks.push(chunk),
      flushSync: () => {},
      flush: (done) => {
        written = chunks.length;
        setImmediate(done);
      },
    };
    const logger = pino(
      { base: null, timestamp: false },
      new BatchedLines(sink, { minChars: 1_000 }),
    );
    logger.info('one');
    logger.info('two');
    await new Promise<void>((resolve, reject) =>
      logger.flush((error) => (error ? reject(error) : resolve())),
    );
    expect(written).toBe(1);
    expect(
      chunks
        .join('')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).msg),
    ).toEqual(['one', 'two']);
    // A sink without a flush of its own: the callback still comes.
    const { sink: plain } = keepingSink();
    const plainLogger = pino(new BatchedLines(plain, { minChars: 1_000 }));
    await new Promise<void>((resolve) => plainLogger.flush(() => resolve()));
  });

  it('flushSync hands over what is gathered before the sink writes out', () => {
    const { sink, chunks, syncFlushes } = keepingSink();
    const lines = new BatchedLines(sink, { minChars: 1_000 });
    lines.write('last words\n');
    lines.flushSync();
    expect(chunks).toEqual(['last words\n']);
    expect(syncFlushes()).toBe(1);
  });
});

describe('batchedStdout', () => {
  const module = fileURLToPath(new URL('./log-destination.ts', import.meta.url));
  const run = (ending: string) =>
    spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `import { pino } from 'pino';
         import { batchedStdout } from ${JSON.stringify(module)};
         const logger = pino({ name: 't' }, batchedStdout({ minChars: 1 << 20, intervalMs: 60_000 }));
         for (let i = 0; i < 3; i++) logger.info({ i }, 'line');
         ${ending}`,
      ],
      {
        cwd: fileURLToPath(new URL('../../..', import.meta.url)),
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
  const loggedNumbers = (stdout: string) =>
    stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { i: number }).i);

  it('writes out the lines still gathered when the process exits on its own', () => {
    const child = run('');
    expect(child.status).toBe(0);
    expect(loggedNumbers(child.stdout)).toEqual([0, 1, 2]);
  });

  it('writes them out through process.exit and an uncaught error too', () => {
    const exited = run('process.exit(3);');
    expect(exited.status).toBe(3);
    expect(loggedNumbers(exited.stdout)).toEqual([0, 1, 2]);
    const crashed = run("setTimeout(() => { throw new Error('boom'); }, 10);");
    expect(crashed.status).toBe(1);
    expect(crashed.stderr).toContain('boom');
    expect(loggedNumbers(crashed.stdout)).toEqual([0, 1, 2]);
  });
});
