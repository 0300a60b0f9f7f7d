import { fairnessSummary, webhooksSummary } from './existing-summaries.ts';
import type { Benchmark } from './summary.ts';

/** A benchmark `npm run bench` knows, loaded only in the process that runs it. */
export interface BenchmarkEntry {
  name: string;
  // biome-ignore lint/suspicious/noExplicitAny: each benchmark has its own row type
  load: () => Promise<Benchmark<any>>;
}

/** An entry whose module brings `run` and `summarize` (or `run` alone, with `summarize` given). */
function entry(
  name: string,
  title: string,
  // biome-ignore lint/suspicious/noExplicitAny: each benchmark has its own row type
  load: () => Promise<Pick<Benchmark<any>, 'run' | 'summarize'>>,
): BenchmarkEntry {
  return { name, load: async () => ({ name, title, ...(await load()) }) };
}

/** Every benchmark `npm run bench` runs, in order. */
export const benchmarks: BenchmarkEntry[] = [
  entry('pdf', 'PDF: extractDocument vs pdf.js direct', () => import('../pdf.bench.ts')),
  entry('api', 'API intake: Nightshift vs a bare Hono route', () => import('../api.bench.ts')),
  entry('pipeline', 'Pipeline: end to end vs plain BullMQ', () => import('../pipeline.bench.ts')),
  entry('memory', 'Memory: API and worker RSS', () => import('../memory.bench.ts')),
  entry('webhooks', 'Webhook delivery: notifier vs raw POSTs', async () => ({
    run: (await import('../webhooks.bench.ts')).run,
    summarize: webhooksSummary,
  })),
  entry('fairness', 'Cold-lane fairness: FairShare vs FIFO', async () => ({
    run: (await import('../fairness.bench.ts')).run,
    summarize: fairnessSummary,
  })),
  entry('lanes', 'GPU lanes on a simulated GPU', () => import('../lanes.bench.ts')),
  entry(
    'gateway',
    'Gateway vs direct calls on a simulated GPU',
    () => import('../gateway.bench.ts'),
  ),
  entry('gpu-cold', 'Cold lane on a GPU-like server', () => import('../gpu-cold.bench.ts')),
  entry(
    'openai-batch-intake',
    'OpenAI batch intake: 50,000 lines vs 5,000',
    () => import('../openai-batch-intake.bench.ts'),
  ),
  entry(
    'price-windows',
    'Price-aware windows: a simulated week',
    () => import('../price-windows.bench.ts'),
  ),
];

/** The line a benchmark's process ends with: its summary rows as JSON after this prefix. */
export const summaryLinePrefix = 'BENCH-SUMMARY ';
