import { contentArrayBombPdf, inflationBombPdf, textBombPdf } from '@nightshift/testkit/pdf-bombs';
import { sampleTexts, textPdf } from '@nightshift/testkit/sample-documents';
import { beforeAll, describe, expect, it } from 'vitest';
import { DocumentError, type DocumentErrorCode } from './errors.ts';
import { extractDocument } from './extract.ts';
import { type DocumentLimits, defaultDocumentLimits } from './limits.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

async function codeOf(bytes: Uint8Array, limits: Partial<DocumentLimits> = {}) {
  try {
    await extractDocument({ kind: 'pdf', bytes }, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(DocumentError);
    return (error as DocumentError).code;
  }
  throw new Error('the document was accepted');
}

/**
 * Runs `work` and returns how far the process's RSS rose above its RSS at the start: sampled
 * every few milliseconds (pdf.js yields between operations), and on a fresh process also the
 * peak (getrusage's maxrss), which catches what a synchronous stretch allocated and freed again.
 */
async function peakRssGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const before = process.memoryUsage().rss;
  const peakBefore = process.resourceUsage().maxRSS * 1024;
  let sampled = before;
  const sampler = setInterval(() => {
    sampled = Math.max(sampled, process.memoryUsage().rss);
  }, 2);
  try {
    const result = await work();
    sampled = Math.max(sampled, process.memoryUsage().rss);
    const peak = process.resourceUsage().maxRSS * 1024;
    // A peak above the one before the work was reached during the work.
    const highest = peak > peakBefore ? Math.max(peak, sampled) : sampled;
    return { result, growth: Math.max(0, highest - before) };
  } finally {
    clearInterval(sampler);
  }
}

describe('extractDocument: decompression bombs', () => {
  // pdf.js's code (tens of MB) is loaded with the first PDF: not the bombs' memory.
  beforeAll(async () => {
    await extractDocument({ kind: 'pdf', bytes: await textPdf(['warm-up']) });
  });

  it('refuses a 3 KB PDF whose content inflates to 1 GiB as pdf_too_large, within the budget', async () => {
    const bytes = inflationBombPdf({ inflatedBytes: GiB });
    expect(bytes.length).toBeLessThan(4096);
    const { result, growth } = await peakRssGrowth(() => codeOf(bytes));
    expect(result).toBe('pdf_too_large');
    // The budget is 64 MiB of decoded bytes; before, this file took the worker to 2.5 GB.
    expect(growth).toBeLessThan(2 * defaultDocumentLimits.maxDecodedBytes);
  });

  it('refuses 4 bombs read at once, one per slot, and the process lives on', async () => {
    const bytes = inflationBombPdf({ inflatedBytes: GiB });
    const slots = 4;
    const { result, growth } = await peakRssGrowth(() =>
      Promise.all(Array.from({ length: slots }, () => codeOf(bytes))),
    );
    expect(result).toEqual(Array(slots).fill('pdf_too_large'));
    expect(growth).toBeLessThan(slots * defaultDocumentLimits.maxDecodedBytes);
    // Still fit for work.
    const doc = await extractDocument({ kind: 'pdf', bytes: await textPdf(['Still here.']) });
    expect(doc.text).toBe('Still here.');
  });

  it('counts one document at a time: a bomb next to a normal PDF fails alone', async () => {
    const normal = await textPdf([sampleTexts.meetingNotes, 'Second page.']);
    const [bomb, fine] = await Promise.allSettled([
      codeOf(inflationBombPdf({ inflatedBytes: 256 * MiB })),
      extractDocument({ kind: 'pdf', bytes: normal }, { maxDecodedBytes: MiB }),
    ]);
    expect(bomb).toEqual({ status: 'fulfilled', value: 'pdf_too_large' });
    expect(fine.status === 'fulfilled' && fine.value.pages).toBe(2);
  });

  it('honours maxDecodedBytes with a single FlateDecode filter too', async () => {
    const bytes = inflationBombPdf({ inflatedBytes: 8 * MiB, layers: 1 });
    expect(await codeOf(bytes, { maxDecodedBytes: 4 * MiB })).toBe('pdf_too_large');
    // Under a budget it fits in, the same file is read (its one line of text).
    const doc = await extractDocument({ kind: 'pdf', bytes }, { maxDecodedBytes: 32 * MiB });
    expect(doc.text).toBe('This page looks harmless.');
  });

  it('refuses a content array naming one stream thousands of times (no compression at all)', async () => {
    const bytes = contentArrayBombPdf({ references: 4096, streamBytes: MiB });
    const { result, growth } = await peakRssGrowth(() => codeOf(bytes));
    expect(result).toBe('pdf_too_large');
    expect(growth).toBeLessThan(2 * defaultDocumentLimits.maxDecodedBytes);
  });

  it('stops reading text at maxTextChars while the page is still being read', async () => {
    // One page painting a form of 1,000 letters 200,000 times: a 6 KB file, 200 million
    // characters. pdf.js needs about a millisecond per form, so reading the page to its end
    // before counting (as before) ran into pdf_timeout after a minute, holding all that text.
    const bytes = textBombPdf({ repeats: 200_000, runChars: 1000 });
    const started = Date.now();
    const { result, growth } = await peakRssGrowth(() => codeOf(bytes, { maxTextChars: 100_000 }));
    expect(result).toBe('too_large');
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(growth).toBeLessThan(64 * MiB);
  });

  it('counts every stream pdf.js decodes, also the object and cross-reference streams it opens the file with', async () => {
    // pdf-lib writes its objects into compressed object streams and a cross-reference stream:
    // a budget of 1 byte is passed while the document is opened, before any page is read.
    const bytes = await textPdf(['Small and harmless.']);
    expect(Buffer.from(bytes).toString('latin1')).toContain('/ObjStm');
    expect(await codeOf(bytes, { maxDecodedBytes: 1 })).toBe('pdf_too_large');
  });

  it('still reads normal PDFs under the default budget', async () => {
    const pages = Array.from(
      { length: 20 },
      (_, i) => `Page ${i + 1}. ${sampleTexts.meetingNotes}`,
    );
    const doc = await extractDocument({ kind: 'pdf', bytes: await textPdf(pages) });
    expect(doc.pages).toBe(20);
    expect(doc.text.startsWith('Page 1. Weekly platform sync')).toBe(true);
  });
});

describe('pdf_too_large', () => {
  it('is a document error code of its own', async () => {
    const code: DocumentErrorCode = 'pdf_too_large';
    const bytes = inflationBombPdf({ inflatedBytes: 2 * MiB, layers: 1 });
    expect(await codeOf(bytes, { maxDecodedBytes: MiB })).toBe(code);
  });
});
