/** One line of the summary table that `bench/run-all.ts` prints after every benchmark. */
export interface SummaryRow {
  /** Benchmark file stem, e.g. `pipeline`. */
  benchmark: string;
  /** What the figure is, with its unit. */
  figure: string;
  /** Measured value (median of the runs). */
  value: number | string;
  /** The side-by-side baseline, when there is one. */
  baseline: number | string | null;
  /** value ÷ baseline (or as the figure defines it). */
  ratio: number | null;
  /** The goal in words, e.g. `≥ 0.5 of baseline`. */
  goal: string;
  /** Whether the goal was met; null when there is no goal. */
  met: boolean | null;
}

/** A benchmark as `run-all` drives it. */
export interface Benchmark<Row> {
  name: string;
  title: string;
  run(): Promise<Row[]>;
  summarize(rows: Row[]): SummaryRow[];
}

/** Prints a benchmark's own table, then its summary lines. */
export function printBenchmark<Row>(title: string, rows: Row[], summary: SummaryRow[]): void {
  console.log(`\n${title}`);
  console.table(rows);
  for (const line of summary) {
    const against =
      line.baseline === null
        ? ''
        : ` (baseline ${line.baseline}${line.ratio === null ? '' : `, ratio ${line.ratio}`})`;
    const verdict =
      line.met === null ? `; ${line.goal}` : `; goal ${line.goal}: ${line.met ? 'met' : 'MISSED'}`;
    console.log(`  ${line.figure}: ${line.value}${against}${verdict}`);
  }
}

/** A measured figure as `goalRows` reads it: found by the prefix of its name. */
export interface FigureRow {
  figure: string;
  value: number;
  baseline: number | null;
  ratio: number | null;
}

/**
 * The summary lines of a benchmark whose rows are named figures: one per goal whose figure
 * was measured, `[figure prefix, goal in words, whether the row meets it]`.
 *
 * @example
 * goalRows('gateway', rows, [['(a)', '≤ 5 ms', (r) => r.value <= 5]]);
 */
export function goalRows<Row extends FigureRow>(
  benchmark: string,
  rows: readonly Row[],
  goals: readonly [prefix: string, goal: string, met: (row: Row) => boolean][],
): SummaryRow[] {
  return goals.flatMap(([prefix, goal, met]) => {
    const row = rows.find((r) => r.figure.startsWith(prefix));
    if (!row) return [];
    const { figure, value, baseline, ratio } = row;
    return [{ benchmark, figure, value, baseline, ratio, goal, met: met(row) }];
  });
}
