/**
 * `npm run bench`: every benchmark in sequence, one table each, then one summary table
 * (benchmark, figure, value, baseline, ratio, goal, met?). Each benchmark runs in a process of
 * its own, as it does alone (`npx tsx bench/<name>.bench.ts`): one benchmark's leftovers (the
 * PDF benchmark's buffers, the API benchmark's clients) must not slow the next one's stand-in
 * or baseline, which live in the benchmark's process. Pass names to run a subset:
 * `npm run bench -- pdf lanes`.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { benchmarks, summaryLinePrefix } from './support/benchmarks.ts';
import type { SummaryRow } from './support/summary.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs one benchmark in its own process, passing its output through; its summary rows. */
async function runOne(name: string): Promise<SummaryRow[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/support/run-one.ts', name], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let summary: SummaryRow[] | undefined;
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    if (line.startsWith(summaryLinePrefix)) {
      summary = JSON.parse(line.slice(summaryLinePrefix.length)) as SummaryRow[];
    } else console.log(line);
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0 || !summary) throw new Error(`exited with ${code} before its summary`);
  return summary;
}

const wanted = process.argv.slice(2);
const summary: SummaryRow[] = [];
const started = performance.now();
for (const { name } of benchmarks) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  try {
    summary.push(...(await runOne(name)));
  } catch (error) {
    console.error(`\n${name} failed:`, error);
    summary.push({
      benchmark: name,
      figure: 'run',
      value: `failed: ${(error as Error).message.slice(0, 60)}`,
      baseline: null,
      ratio: null,
      goal: 'runs',
      met: false,
    });
  }
}
console.log(`\nSummary (${Math.round((performance.now() - started) / 1000)} s in all)`);
console.table(
  summary.map((row) => ({ ...row, met: row.met === null ? '—' : row.met ? 'yes' : 'NO' })),
);
process.exitCode = summary.some((row) => row.goal === 'runs') ? 1 : 0;
