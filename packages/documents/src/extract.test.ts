import { inflationBombPdf } from '@nightshift/testkit/pdf-bombs';
import {
  corruptPdf,
  encryptedPdf,
  notAPdf,
  sampleTexts,
  scannedPdf,
  textPdf,
} from '@nightshift/testkit/sample-documents';
import { describe, expect, it } from 'vitest';
import { DocumentError, type DocumentErrorCode, documentErrorCodes } from './errors.ts';
import { type ExtractableDocument, extractDocument } from './extract.ts';
import { inspectDocument } from './inspect.ts';
import type { DocumentLimits } from './limits.ts';

async function codeOf(run: () => Promise<unknown> | unknown): Promise<DocumentErrorCode> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(DocumentError);
    return (error as DocumentError).code;
  }
  throw new Error('the document was accepted');
}

/** Taken before anything loads pdf.js (each test file runs in a fresh worker). */
const nativeJsonParse = JSON.parse;

const pdf = (bytes: Uint8Array): ExtractableDocument => ({ kind: 'pdf', bytes });
const extractPdf =
  (bytes: Uint8Array, limits: Partial<DocumentLimits> = {}) =>
  () =>
    extractDocument(pdf(bytes), limits);

describe('extractDocument: PDFs', () => {
  it('extracts the text of a multi-page PDF, page by page', async () => {
    const pages = ['Page one talks about GPUs.', sampleTexts.meetingNotes, 'The last page.'];
    const result = await extractDocument(pdf(await textPdf(pages)));
    expect(result.kind).toBe('pdf');
    expect(result.pages).toBe(3);
    expect(result.text.startsWith('Page one talks about GPUs.\n\nWeekly platform sync')).toBe(true);
    // Wrapping turns some spaces into line breaks; the words and their order survive.
    expect(result.text.replace(/\s+/g, ' ')).toContain(
      sampleTexts.meetingNotes.replace(/\s+/g, ' '),
    );
    expect(result.text.endsWith('\n\nThe last page.')).toBe(true);
  });

  it('leaves the process its native JSON.parse once pdf.js is loaded', async () => {
    await extractDocument(pdf(await textPdf(['pdf.js is loaded by now.'])));
    // pdf.js's legacy build swaps in a core-js wrapper (that even prints as native code).
    expect(JSON.parse).toBe(nativeJsonParse);
  });

  it('keeps wrapped long lines as words (a line break, never a lost word)', async () => {
    const result = await extractDocument(pdf(await textPdf([sampleTexts.productDescription])));
    expect(result.text.split(/\s+/)).toEqual(sampleTexts.productDescription.split(/\s+/));
  });

  it('reads an encrypted PDF as pdf_encrypted', async () => {
    expect(await codeOf(extractPdf(await encryptedPdf()))).toBe('pdf_encrypted');
  });

  it('reads a scanned PDF without a text layer as pdf_no_text', async () => {
    expect(await codeOf(extractPdf(await scannedPdf()))).toBe('pdf_no_text');
  });

  it('reads garbage, truncated files and non-PDFs as pdf_corrupt', async () => {
    const whole = await textPdf(['A perfectly fine page.']);
    expect(await codeOf(extractPdf(corruptPdf()))).toBe('pdf_corrupt');
    expect(await codeOf(extractPdf(whole.slice(0, whole.length / 2)))).toBe('pdf_corrupt');
    expect(await codeOf(extractPdf(notAPdf()))).toBe('pdf_corrupt');
    expect(await codeOf(extractPdf(new Uint8Array(0)))).toBe('pdf_corrupt');
  });

  it('refuses more than maxPages pages as too_large', async () => {
    const bytes = await textPdf(['one', 'two', 'three']);
    expect(await codeOf(extractPdf(bytes, { maxPages: 2 }))).toBe('too_large');
    expect((await extractDocument(pdf(bytes), { maxPages: 3 })).pages).toBe(3);
  });

  it('refuses more than maxTextChars characters as too_large', async () => {
    const bytes = await textPdf(['abcdefghij', 'klmnopqrst']); // 10 + 2 + 10 characters
    expect(await codeOf(extractPdf(bytes, { maxTextChars: 21 }))).toBe('too_large');
    expect((await extractDocument(pdf(bytes), { maxTextChars: 22 })).text).toHaveLength(22);
  });

  it('gives up after timeoutMs with pdf_timeout', async () => {
    const bytes = await textPdf(['Any page at all.']);
    expect(await codeOf(extractPdf(bytes, { timeoutMs: 0 }))).toBe('pdf_timeout');
  });

  it('stops when aborted and throws the abort reason', async () => {
    const controller = new AbortController();
    const reason = new Error('job cancelled');
    controller.abort(reason);
    const bytes = await textPdf(['Any page at all.']);
    await expect(extractDocument(pdf(bytes), {}, { signal: controller.signal })).rejects.toBe(
      reason,
    );
  });

  it("leaves the caller's bytes intact (pdf.js would detach them)", async () => {
    const bytes = await textPdf(['Reusable bytes.']);
    const copy = bytes.slice();
    await extractDocument(pdf(bytes));
    expect(bytes).toEqual(copy);
    expect((await extractDocument(pdf(bytes))).text).toBe('Reusable bytes.');
  });
});

describe('extractDocument: text', () => {
  it('normalizes whitespace and strips NUL', async () => {
    const result = await extractDocument({
      kind: 'text',
      text: ' Hello\u0000  world\r\n\r\n\r\nBye ',
    });
    expect(result).toEqual({ kind: 'text', text: 'Hello world\n\nBye', pages: 1 });
  });

  it('refuses text that normalizes to nothing, and text over maxTextChars', async () => {
    expect(await codeOf(() => extractDocument({ kind: 'text', text: '\u0000 \n' }))).toBe('empty');
    const text = 'x'.repeat(11);
    expect(await codeOf(() => extractDocument({ kind: 'text', text }, { maxTextChars: 10 }))).toBe(
      'too_large',
    );
  });
});

describe('every error code', () => {
  it('is produced by its matching sample', async () => {
    const producers: Record<DocumentErrorCode, () => Promise<unknown> | unknown> = {
      empty: () => inspectDocument({ bytes: new Uint8Array(0) }),
      too_large: () => inspectDocument({ text: 'four' }, { maxDocumentBytes: 3 }),
      not_a_pdf: () => inspectDocument({ bytes: notAPdf('text'), contentType: 'application/pdf' }),
      unsupported_type: () => inspectDocument({ bytes: notAPdf() }),
      pdf_corrupt: extractPdf(corruptPdf()),
      pdf_encrypted: extractPdf(await encryptedPdf()),
      pdf_no_text: extractPdf(await scannedPdf()),
      pdf_timeout: extractPdf(await textPdf(['slow']), { timeoutMs: 0 }),
      pdf_too_large: extractPdf(inflationBombPdf({ inflatedBytes: 2 * 1024 * 1024, layers: 1 }), {
        maxDecodedBytes: 1024 * 1024,
      }),
    };
    expect(Object.keys(producers).sort()).toEqual([...documentErrorCodes].sort());
    for (const [code, produce] of Object.entries(producers)) {
      expect(await codeOf(produce), code).toBe(code);
    }
  });
});
