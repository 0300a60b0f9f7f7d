/**
 * Sample documents for tests across the repo: PDFs that exercise every intake outcome
 * (extractable text, password, scan without text layer, corrupt, not a PDF at all) and English
 * prose for summaries and chunking.
 *
 * Import as `@nightshift/testkit/sample-documents`.
 */
import { readFile } from 'node:fs/promises';
import { PDFDocument, type PDFFont, rgb, StandardFonts } from 'pdf-lib';
import { scannedPagePng } from './sample-documents-png.ts';

export { type LongTextOptions, longText, prng } from './sample-documents-long-text.ts';
export { type SampleTextName, sampleTexts } from './sample-documents-texts.ts';

/** The user password of {@link encryptedPdf}; opening the file with it reveals {@link encryptedPdfText}. */
export const encryptedPdfPassword = 'nightshift-secret';

/** The text inside {@link encryptedPdf}, readable only with {@link encryptedPdfPassword}. */
export const encryptedPdfText = 'This quarterly forecast is confidential.';

const pageWidth = 612; // US Letter, in points
const pageHeight = 792;
const margin = 72;
const fontSize = 12;
const lineHeight = 16;

/** pdf-lib's standard fonts encode WinAnsi only; anything else would throw, so it becomes '?'. */
function encodable(font: PDFFont, text: string): string {
  const supported = new Set(font.getCharacterSet());
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0x3f;
    out += supported.has(code) ? ch : '?';
  }
  return out;
}

function wrapParagraph(font: PDFFont, paragraph: string, maxWidth: number): string[] {
  const width = (s: string) => font.widthOfTextAtSize(s, fontSize);
  const lines: string[] = [];
  let line = '';
  for (const word of paragraph.split(/\s+/).filter(Boolean)) {
    const candidate = line ? `${line} ${word}` : word;
    if (width(candidate) <= maxWidth) {
      line = candidate;
      continue;
    }
    if (line) lines.push(line);
    line = word;
    // A single word wider than the page (a URL, a hash) is cut into pieces that fit.
    while (width(line) > maxWidth) {
      let cut = line.length - 1;
      while (cut > 1 && width(line.slice(0, cut)) > maxWidth) cut--;
      lines.push(line.slice(0, cut));
      line = line.slice(cut);
    }
  }
  lines.push(line);
  return lines;
}

/**
 * Builds a PDF with real, extractable text (Helvetica), one page per entry of `pages`. Long
 * lines wrap at the margins; `\n` starts a new line; an entry too long for one page continues
 * on the next page. Characters outside WinAnsi become `?`. Deterministic: no dates are written.
 *
 * @example
 * ```ts
 * const pdf = await textPdf(['First page.', sampleTexts.gpuIncident]);
 * ```
 */
export async function textPdf(pages: string[]): Promise<Uint8Array> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const maxWidth = pageWidth - 2 * margin;
  const linesPerPage = Math.floor((pageHeight - 2 * margin) / lineHeight);
  for (const pageText of pages) {
    const lines = pageText
      .split(/\r?\n/)
      .flatMap((paragraph) => wrapParagraph(font, encodable(font, paragraph), maxWidth));
    for (let start = 0; start === 0 || start < lines.length; start += linesPerPage) {
      const page = doc.addPage([pageWidth, pageHeight]);
      lines.slice(start, start + linesPerPage).forEach((line, i) => {
        if (!line) return;
        const y = pageHeight - margin - fontSize - i * lineHeight;
        page.drawText(line, { x: margin, y, size: fontSize, font, color: rgb(0, 0, 0) });
      });
    }
  }
  return doc.save();
}

/**
 * A PDF that pdf.js can only open with a password ({@link encryptedPdfPassword}, AES-256).
 * Made once with `qpdf --encrypt` (see fixtures/pdf/README.md) because pdf-lib cannot encrypt.
 */
export async function encryptedPdf(): Promise<Uint8Array> {
  return new Uint8Array(await readFile(new URL('../fixtures/pdf/encrypted.pdf', import.meta.url)));
}

/**
 * A two-page PDF whose pages hold only a raster image of a "scanned" page and no text layer,
 * so text extraction finds nothing.
 */
export async function scannedPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  const image = await doc.embedPng(scannedPagePng());
  for (let i = 0; i < 2; i++) {
    const page = doc.addPage([pageWidth, pageHeight]);
    page.drawImage(image, { x: 0, y: 0, width: pageWidth, height: pageHeight });
  }
  return doc.save();
}

/**
 * Bytes that start with a valid `%PDF-` header but carry no PDF structure after it: no objects,
 * no cross-reference table, no trailer. Passes a magic-bytes check, fails a real parse.
 */
export function corruptPdf(): Uint8Array {
  const header = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1');
  const body = new Uint8Array(2048);
  let x = 0x12345678;
  for (let i = 0; i < body.length; i++) {
    // xorshift: deterministic noise, so failures reproduce byte for byte.
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    body[i] = x & 0xff;
  }
  const out = new Uint8Array(header.length + body.length);
  out.set(header);
  out.set(body, header.length);
  return out;
}

/**
 * Bytes that are not a PDF: by default a PNG image (binary, invalid UTF-8); with `'text'`, a
 * short plain-text note (valid UTF-8), e.g. to upload under a `.pdf` name or PDF content type.
 */
export function notAPdf(kind: 'png' | 'text' = 'png'): Uint8Array {
  if (kind === 'text') {
    return new TextEncoder().encode('This is a plain text note saved with a .pdf extension.\n');
  }
  return scannedPagePng(40, 40);
}
