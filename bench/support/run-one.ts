/**
 * Runs one benchmark of `bench/support/benchmarks.ts` in this process, prints its tables, and
 * ends with its summary rows on one line for `bench/run-all.ts` to collect.
 *
 * Run: `npx tsx bench/support/run-one.ts pipeline`
 */
import { benchmarks, summaryLinePrefix } from './benchmarks.ts';
import { printBenchmark } from './summary.ts';

const name = process.argv[2];
const entry = benchmarks.find((b) => b.name === name);
if (!entry) {
  console.error(`no benchmark named ${name}; known: ${benchmarks.map((b) => b.name).join(', ')}`);
  process.exit(2);
}
const bench = await entry.load();
const started = performance.now();
const rows = await bench.run();
const lines = bench.summarize(rows);
printBenchmark(
  `${bench.title} (${Math.round((performance.now() - started) / 1000)} s)`,
  rows,
  lines,
);
console.log(`${summaryLinePrefix}${JSON.stringify(lines)}`);
