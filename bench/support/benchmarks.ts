import { fairnessSummary, webhooksSummary } from './existing-summaries.ts';
import type { Benchmark } from './summary.ts';

/**
 * Every benchmark `npm run bench` runs, in order, each loaded only when it runs (its own
 * process imports just its own module).
 */
// biome-ignore lint/suspicious/noExplicitAny: each benchmark has its own row type
export const benchmarks: { name: string; load: () => Promise<Benchmark<any>> }[] = [
  {
    name: 'pdf',
    load: async () => ({
      name: 'pdf',
      title: 'PDF: extractDocument vs pdf.js direct',
      ...(await import('../pdf.bench.ts')),
    }),
  },
  {
    name: 'api',
    load: async () => ({
      name: 'api',
      title: 'API intake: Nightshift vs a bare Hono route',
      ...(await import('../api.bench.ts')),
    }),
  },
  {
    name: 'pipeline',
    load: async () => ({
      name: 'pipeline',
      title: 'Pipeline: end to end vs plain BullMQ',
      ...(await import('../pipeline.bench.ts')),
    }),
  },
  {
    name: 'memory',
    load: async () => ({
      name: 'memory',
      title: 'Memory: API and worker RSS',
      ...(await import('../memory.bench.ts')),
    }),
  },
  {
    name: 'webhooks',
    load: async () => ({
      name: 'webhooks',
      title: 'Webhook delivery: notifier vs raw POSTs',
      run: (await import('../webhooks.bench.ts')).run,
      summarize: webhooksSummary,
    }),
  },
  {
    name: 'fairness',
    load: async () => ({
      name: 'fairness',
      title: 'Cold-lane fairness: FairShare vs FIFO',
      run: (await import('../fairness.bench.ts')).run,
      summarize: fairnessSummary,
    }),
  },
  {
    name: 'lanes',
    load: async () => ({
      name: 'lanes',
      title: 'GPU lanes on a simulated GPU',
      ...(await import('../lanes.bench.ts')),
    }),
  },
];

/** The line a benchmark's process ends with: its summary rows as JSON after this prefix. */
export const summaryLinePrefix = 'BENCH-SUMMARY ';
