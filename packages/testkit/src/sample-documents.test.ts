import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import {
  corruptPdf,
  encryptedPdf,
  longText,
  notAPdf,
  sampleTexts,
  scannedPdf,
  textPdf,
} from './sample-documents.ts';

const ascii = (bytes: Uint8Array, n: number) =>
  Buffer.from(bytes.subarray(0, n)).toString('latin1');

describe('textPdf', () => {
  it('makes one page per entry, deterministically', async () => {
    const bytes = await textPdf(['one', 'two', 'three']);
    expect(ascii(bytes, 5)).toBe('%PDF-');
    expect((await PDFDocument.load(bytes)).getPageCount()).toBe(3);
    expect(await textPdf(['one', 'two', 'three'])).toEqual(bytes);
  });

  it('continues an entry too long for one page on the next page', async () => {
    const bytes = await textPdf([longText(2000), 'short']);
    expect((await PDFDocument.load(bytes)).getPageCount()).toBeGreaterThan(3);
  });

  it('survives characters outside the standard font encoding', async () => {
    const bytes = await textPdf(['Emoji 🚀 and Cyrillic Ж become question marks']);
    expect((await PDFDocument.load(bytes)).getPageCount()).toBe(1);
  });
});

describe('problem PDFs', () => {
  it('encryptedPdf is a PDF that is encrypted', async () => {
    const bytes = await encryptedPdf();
    expect(ascii(bytes, 5)).toBe('%PDF-');
    await expect(PDFDocument.load(bytes)).rejects.toThrow(/encrypted/i);
    expect((await PDFDocument.load(bytes, { ignoreEncryption: true })).isEncrypted).toBe(true);
  });

  it('scannedPdf has pages with an image and no font', async () => {
    const bytes = await scannedPdf();
    const doc = await PDFDocument.load(bytes);
    expect(doc.getPageCount()).toBe(2);
    const raw = Buffer.from(bytes).toString('latin1');
    expect(raw).toContain('/Image');
    expect(raw).not.toContain('/Font');
  });

  it('corruptPdf has a PDF header and no PDF structure', () => {
    const bytes = corruptPdf();
    expect(ascii(bytes, 5)).toBe('%PDF-');
    const raw = Buffer.from(bytes).toString('latin1');
    expect(raw).not.toMatch(/\d+ 0 obj|xref|trailer/);
  });

  it('notAPdf is a PNG by default and plain text on request', () => {
    expect(ascii(notAPdf(), 8)).toBe('\x89PNG\r\n\x1a\n');
    expect(new TextDecoder().decode(notAPdf('text'))).toMatch(/^This is a plain text note/);
    expect(ascii(notAPdf('text'), 1024)).not.toContain('%PDF-');
  });
});

describe('sampleTexts', () => {
  it('holds distinct English documents of 5 to 40 sentences in ASCII', () => {
    const texts = Object.values(sampleTexts);
    expect(texts.length).toBeGreaterThanOrEqual(5);
    expect(new Set(texts).size).toBe(texts.length);
    for (const text of texts) {
      const sentences = text.match(/[.?!](\s|$)/g) ?? [];
      expect(sentences.length).toBeGreaterThanOrEqual(5);
      expect(sentences.length).toBeLessThanOrEqual(40);
      expect(text).toMatch(/^[\x20-\x7e\n]+$/);
    }
  });
});

describe('longText', () => {
  it('has exactly the requested number of words, in paragraphs', () => {
    for (const words of [0, 1, 7, 250, 10_000]) {
      const text = longText(words);
      expect(text === '' ? 0 : text.split(/\s+/).length).toBe(words);
    }
    expect(longText(5000).split('\n\n').length).toBeGreaterThan(20);
  });

  it('is deterministic per seed and differs across seeds', () => {
    expect(longText(300)).toBe(longText(300));
    expect(longText(300, { seed: 2 })).not.toBe(longText(300));
    expect(longText(300)).toMatch(/^[A-Z][\s\S]*\.$/);
  });

  it('rejects a negative or fractional word count', () => {
    expect(() => longText(-1)).toThrow(RangeError);
    expect(() => longText(1.5)).toThrow(RangeError);
  });
});
