import type { PDFParse } from 'pdf-parse';
import { DocumentError, isDocumentError } from './errors.ts';
import type { DocumentLimits } from './limits.ts';
import { normalizeText } from './normalize-text.ts';

let pdfParse: Promise<typeof import('pdf-parse')> | undefined;

/**
 * pdf-parse is loaded with the first PDF, not at start: text-only work never pays for pdf.js
 * (tens of MB of code), nor for the core-js polyfills of its legacy build. One of them swaps
 * the process's `JSON.parse` for a wrapper that only matters to revivers reading source text
 * (pdf.js passes none) and slowed every JSON parse on a busy worker; it is put back.
 */
function loadPdfParse(): Promise<typeof import('pdf-parse')> {
  pdfParse ??= (async () => {
    const nativeParse = JSON.parse;
    const loaded = await import('pdf-parse');
    JSON.parse = nativeParse;
    return loaded;
  })();
  return pdfParse;
}

/** Text of a PDF, normalized, with pages joined by a blank line. */
export interface PdfText {
  /** Normalized text of all pages. */
  text: string;
  /** Number of pages in the PDF. */
  pages: number;
}

class Timeout extends Error {}

/** pdf.js errors keep their class names across the worker boundary; pdf-parse re-creates them. */
function toDocumentError(error: unknown): DocumentError {
  if (isDocumentError(error)) return error;
  const name = error instanceof Error ? error.name : '';
  if (name === 'PasswordException') {
    return new DocumentError('pdf_encrypted', 'The PDF is password-protected.', { cause: error });
  }
  const reason = error instanceof Error && error.message ? `: ${error.message}` : '';
  return new DocumentError('pdf_corrupt', `The PDF could not be read${reason}`, { cause: error });
}

async function readPages(
  parser: PDFParse,
  limits: DocumentLimits,
  deadline: number,
  signal: AbortSignal | undefined,
): Promise<PdfText> {
  const texts: string[] = [];
  let chars = 0;
  let pages = 1;
  // Page by page (not one getText()) so the page count is known after the first page, and the
  // deadline, abort signal and character budget are checked between pages.
  for (let num = 1; num <= pages; num++) {
    signal?.throwIfAborted();
    if (Date.now() >= deadline) throw new Timeout();
    const result = await parser.getText({ partial: [num], pageJoiner: '' });
    pages = result.total;
    if (pages > limits.maxPages) {
      throw new DocumentError(
        'too_large',
        `The PDF has ${pages} pages; the limit is ${limits.maxPages}.`,
      );
    }
    const text = normalizeText(result.pages[0]?.text ?? '');
    if (text === '') continue;
    chars += text.length + (texts.length > 0 ? 2 : 0);
    if (chars > limits.maxTextChars) {
      throw new DocumentError(
        'too_large',
        `The PDF has more than ${limits.maxTextChars} characters of text.`,
      );
    }
    texts.push(text);
  }
  const text = texts.join('\n\n');
  if (!/[\p{L}\p{N}]/u.test(text)) {
    throw new DocumentError(
      'pdf_no_text',
      'The PDF has no extractable text (scanned pages or images only?); OCR it first.',
    );
  }
  return { text, pages };
}

/**
 * Extracts the text of a PDF with pdf-parse (pdf.js). The caller's bytes are copied, because
 * pdf.js takes ownership of (detaches) the buffer it is given. The parser is always destroyed,
 * also after a timeout or abort, so pdf.js frees the document.
 *
 * In Node, pdf.js parses on the calling thread, so the timeout is cooperative: it fires between
 * pdf.js's asynchronous steps, not inside one long synchronous step.
 */
export async function extractPdfText(
  bytes: Uint8Array,
  limits: DocumentLimits,
  signal?: AbortSignal,
): Promise<PdfText> {
  signal?.throwIfAborted();
  const { PDFParse, VerbosityLevel } = await loadPdfParse();
  signal?.throwIfAborted();
  const parser = new PDFParse({
    data: new Uint8Array(bytes),
    verbosity: VerbosityLevel.ERRORS,
    // Untrusted input: never compile code from PDF content (cf. CVE-2024-4367).
    isEvalSupported: false,
  });
  const deadline = Date.now() + limits.timeoutMs;
  const work = readPages(parser, limits, deadline, signal);
  // Destroy once the work settles, whatever wins the race below; during loading pdf-parse has
  // no document to destroy yet, so an early destroy alone could leak it.
  const cleanup = work.then(
    () => parser.destroy(),
    () => parser.destroy(),
  );
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const interrupted = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Timeout()), limits.timeoutMs);
    onAbort = () => reject(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const result = await Promise.race([work, interrupted]);
    await cleanup;
    return result;
  } catch (error) {
    const wasInterrupted = error instanceof Timeout || signal?.aborted === true;
    if (wasInterrupted) {
      // Stop the running parse now; `cleanup` destroys again (idempotent) once it settles.
      void parser.destroy().catch(() => {});
      cleanup.catch(() => {});
    } else {
      await cleanup.catch(() => {});
    }
    if (signal?.aborted) throw signal.reason;
    if (error instanceof Timeout) {
      throw new DocumentError(
        'pdf_timeout',
        `Reading the PDF took longer than ${limits.timeoutMs} ms.`,
      );
    }
    throw toDocumentError(error);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}
