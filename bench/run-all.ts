/**
 * `npm run bench`: every benchmark in sequence, one table each, then one summary table
 * (benchmark, figure, value, baseline, ratio, goal, met?). Each benchmark also runs alone:
 * `npx tsx bench/<name>.bench.ts`. Pass names to run a subset: `npm run bench -- pdf lanes`.
 */
import * as api from './api.bench.ts';
import * as fairness from './fairness.bench.ts';
import * as lanes from './lanes.bench.ts';
import * as memory from './memory.bench.ts';
import * as pdf from './pdf.bench.ts';
import * as pipeline from './pipeline.bench.ts';
import { fairnessSummary, webhooksSummary } from './support/existing-summaries.ts';
import { type Benchmark, printBenchmark, type SummaryRow } from './support/summary.ts';
import * as webhooks from './webhooks.bench.ts';

// biome-ignore lint/suspicious/noExplicitAny: each benchmark has its own row type
const benchmarks: Benchmark<any>[] = [
  { name: 'pdf', title: 'PDF: extractDocument vs pdf.js direct', ...pdf },
  { name: 'api', title: 'API intake: Nightshift vs a bare Hono route', ...api },
  { name: 'pipeline', title: 'Pipeline: end to end vs plain BullMQ', ...pipeline },
  { name: 'memory', title: 'Memory: API and worker RSS', ...memory },
  {
    name: 'webhooks',
    title: 'Webhook delivery: notifier vs raw POSTs',
    run: webhooks.run,
    summarize: webhooksSummary,
  },
  {
    name: 'fairness',
    title: 'Cold-lane fairness: FairShare vs FIFO',
    run: fairness.run,
    summarize: fairnessSummary,
  },
  { name: 'lanes', title: 'GPU lanes on a simulated GPU', ...lanes },
];

const wanted = process.argv.slice(2);
const summary: SummaryRow[] = [];
const started = performance.now();
for (const bench of benchmarks) {
  if (wanted.length > 0 && !wanted.includes(bench.name)) continue;
  const t0 = performance.now();
  try {
    const rows = await bench.run();
    const lines = bench.summarize(rows);
    summary.push(...lines);
    printBenchmark(
      `${bench.title} (${Math.round((performance.now() - t0) / 1000)} s)`,
      rows,
      lines,
    );
  } catch (error) {
    console.error(`\n${bench.name} failed:`, error);
    summary.push({
      benchmark: bench.name,
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
