/**
 * PDF extraction (issue 7): pages per second read by `extractDocument` (pdf.js with its limits,
 * decode budget, timeout and clean-up) against pdf.js called directly (legacy build,
 * `getTextContent` per page) on the same generated multi-page PDF, alternately in one process.
 * Once `extractDocument` has loaded pdf.js, both paths run its worker code with the decode-budget
 * hook (installed process-wide); the hook costs one call per decode-buffer doubling.
 *
 * Run: `npx tsx bench/pdf.bench.ts`.
 */
import { extractDocument } from '@nightshift/documents';
import { longText, textPdf } from '@nightshift/testkit/sample-documents';
import { getDocument, VerbosityLevel } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { median, round } from './support/stats.ts';
import type { SummaryRow } from './support/summary.ts';

/** One run of one path. */
export interface PdfRow {
  /** `extractDocument` or `pdfjs-dist direct`. */
  path: string;
  run: number;
  pages: number;
  ms: number;
  pagesPerSecond: number;
  /** Characters of text extracted (both paths should agree closely). */
  chars: number;
}

const PAGES = 200;
const RUNS = 5;

async function direct(bytes: Uint8Array): Promise<{ pages: number; chars: number }> {
  const doc = await getDocument({
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    verbosity: VerbosityLevel.ERRORS,
  }).promise;
  let chars = 0;
  for (let n = 1; n <= doc.numPages; n++) {
    const page = await doc.getPage(n);
    const content = await page.getTextContent();
    for (const item of content.items) if ('str' in item) chars += item.str.length;
    page.cleanup();
  }
  const pages = doc.numPages;
  await doc.destroy();
  return { pages, chars };
}

async function timed(
  path: string,
  run: number,
  work: () => Promise<{ pages: number; chars: number }>,
): Promise<PdfRow> {
  const started = performance.now();
  const { pages, chars } = await work();
  const ms = performance.now() - started;
  return {
    path,
    run,
    pages,
    ms: round(ms, 0),
    pagesPerSecond: round(pages / (ms / 1000), 0),
    chars,
  };
}

/** Builds the PDF once, warms both paths, then alternates RUNS times. */
export async function run(): Promise<PdfRow[]> {
  const bytes = await textPdf(
    Array.from({ length: PAGES }, (_, i) => longText(350, { seed: i + 1 })),
  );
  const viaProduct = async () => {
    const doc = await extractDocument({ kind: 'pdf', bytes });
    return { pages: doc.pages, chars: doc.text.length };
  };
  await timed('warm-up', 0, viaProduct);
  await timed('warm-up', 0, () => direct(bytes));
  const rows: PdfRow[] = [];
  for (let i = 1; i <= RUNS; i++) {
    rows.push(await timed('extractDocument', i, viaProduct));
    rows.push(await timed('pdfjs-dist direct', i, () => direct(bytes)));
  }
  return rows;
}

/** Median pages/s of each path and their ratio. */
export function summarize(rows: PdfRow[]): SummaryRow[] {
  const of = (path: string) =>
    median(rows.filter((r) => r.path === path).map((r) => r.pagesPerSecond));
  const value = of('extractDocument');
  const baseline = of('pdfjs-dist direct');
  const ratio = round(value / baseline, 2);
  return [
    {
      benchmark: 'pdf',
      figure: `pages/s extracted (${rows[0]?.pages ?? PAGES}-page PDF)`,
      value,
      baseline,
      ratio,
      goal: '≥ 0.8 × pdf.js direct',
      met: ratio >= 0.8,
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { printBenchmark } = await import('./support/summary.ts');
  const rows = await run();
  printBenchmark('PDF: extractDocument vs pdf.js direct, same PDF', rows, summarize(rows));
}
