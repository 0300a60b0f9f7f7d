import type { PDFDocumentLoadingTask } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { DocumentError, isDocumentError } from './errors.ts';
import type { DocumentLimits } from './limits.ts';
import { normalizeText } from './normalize-text.ts';
import { DecodeBudget, loadBudgetedPdfjs, trackDecoding } from './pdf-decode-budget.ts';
import { readPageText, type TextAllowance } from './pdf-page-text.ts';

/** Text of a PDF, normalized, with pages joined by a blank line. */
export interface PdfText {
  /** Normalized text of all pages. */
  text: string;
  /** Number of pages in the PDF. */
  pages: number;
}

class Timeout extends Error {}

/**
 * Characters of all kinds pdf.js may hand over, as a multiple of `maxTextChars`: whitespace
 * shrinks when normalized, so it is not held against the limit, but a page that is almost all
 * whitespace must not grow without end either.
 */
const rawTextFactor = 4;

function tooMuchText(limits: DocumentLimits): DocumentError {
  return new DocumentError(
    'too_large',
    `The PDF has more than ${limits.maxTextChars} characters of text.`,
  );
}

function tooLarge(budget: DecodeBudget): DocumentError {
  return new DocumentError(
    'pdf_too_large',
    `The PDF's compressed streams inflate to more than ${budget.maxBytes} bytes.`,
  );
}

/**
 * Stops the read between chunks of text: past `maxTextChars` characters that normalizing keeps
 * (the normalized text is at least that long, so it would be refused anyway), past
 * `rawTextFactor` times that counting everything, past the decode budget, the deadline or abort.
 */
function allowanceFor(
  limits: DocumentLimits,
  budget: DecodeBudget,
  deadline: number,
  signal: AbortSignal | undefined,
): TextAllowance {
  let raw = 0;
  let kept = 0;
  return {
    take(texts) {
      signal?.throwIfAborted();
      if (budget.exceeded) throw tooLarge(budget);
      if (Date.now() >= deadline) throw new Timeout();
      for (const text of texts) {
        raw += text.length;
        kept += keptLength(text);
      }
      if (kept > limits.maxTextChars || raw > limits.maxTextChars * rawTextFactor) {
        throw tooMuchText(limits);
      }
    },
  };
}

/**
 * Characters of `text` that {@link normalizeText} keeps whatever surrounds them: all but
 * whitespace and the control characters it removes.
 */
function keptLength(text: string): number {
  let kept = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code <= 0x20 || (code >= 0x7f && code <= 0xa0)) continue;
    if (code >= 0x2000 && (code <= 0x200a || code === 0x202f || code === 0x205f)) continue;
    if (code === 0x3000 || code === 0xfeff) continue;
    kept++;
  }
  return kept;
}

async function readPages(
  task: PDFDocumentLoadingTask,
  limits: DocumentLimits,
  budget: DecodeBudget,
  deadline: number,
  signal: AbortSignal | undefined,
): Promise<PdfText> {
  const doc = await task.promise;
  const pages = doc.numPages;
  if (pages > limits.maxPages) {
    throw new DocumentError(
      'too_large',
      `The PDF has ${pages} pages; the limit is ${limits.maxPages}.`,
    );
  }
  const allowance = allowanceFor(limits, budget, deadline, signal);
  const texts: string[] = [];
  let chars = 0;
  for (let num = 1; num <= pages; num++) {
    signal?.throwIfAborted();
    if (budget.exceeded) throw tooLarge(budget);
    if (Date.now() >= deadline) throw new Timeout();
    const page = await doc.getPage(num);
    const text = normalizeText(await readPageText(page, allowance));
    page.cleanup();
    // pdf.js skips a sub-stream or glyph that failed, so a page can end "fine" past the budget.
    if (budget.exceeded) throw tooLarge(budget);
    if (text === '') continue;
    chars += text.length + (texts.length > 0 ? 2 : 0);
    if (chars > limits.maxTextChars) throw tooMuchText(limits);
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

/** pdf.js errors keep their class names across its (in-process) worker boundary. */
function toDocumentError(error: unknown, budget: DecodeBudget): DocumentError {
  if (budget.exceeded) return tooLarge(budget);
  if (isDocumentError(error)) return error;
  const name = error instanceof Error ? error.name : '';
  if (name === 'PasswordException') {
    return new DocumentError('pdf_encrypted', 'The PDF is password-protected.', { cause: error });
  }
  const reason = error instanceof Error && error.message ? `: ${error.message}` : '';
  return new DocumentError('pdf_corrupt', `The PDF could not be read${reason}`, { cause: error });
}

/**
 * Extracts the text of a PDF with pdf.js, page by page, within `maxPages`, `maxTextChars`,
 * `maxDecodedBytes` and `timeoutMs`. The caller's bytes are copied, because pdf.js takes
 * ownership of (detaches) the buffer it is given. The document is always destroyed, also after
 * a refusal, timeout or abort, so pdf.js frees it.
 *
 * Memory: what pdf.js inflates for this document is counted as it decodes and stopped at
 * `maxDecodedBytes` (`pdf_too_large`), and its text is counted as pdf.js streams it and stopped
 * at `maxTextChars` (`too_large`), so one document holds at most about those two amounts,
 * whatever its compression ratio, and each of a worker's slots is bounded on its own.
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
  const { getDocument, VerbosityLevel } = await loadBudgetedPdfjs();
  signal?.throwIfAborted();
  const task = getDocument({
    data: new Uint8Array(bytes),
    verbosity: VerbosityLevel.ERRORS,
    // Untrusted input: never compile code from PDF content (cf. CVE-2024-4367).
    isEvalSupported: false,
  });
  const budget = new DecodeBudget(limits.maxDecodedBytes);
  const untrack = trackDecoding(task.docId, budget);
  const deadline = Date.now() + limits.timeoutMs;
  const work = readPages(task, limits, budget, deadline, signal);
  // Destroy once the work settles, whatever wins the race below.
  const cleanup = work.then(
    () => task.destroy(),
    () => task.destroy(),
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
      void task.destroy().catch(() => {});
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
    throw toDocumentError(error, budget);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    // Counted until pdf.js is done with the document: an interrupted parse runs on until destroyed.
    void cleanup.then(untrack, untrack);
  }
}
