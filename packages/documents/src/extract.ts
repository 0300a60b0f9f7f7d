import { DocumentError } from './errors.ts';
import { extractPdfText } from './extract-pdf.ts';
import { type DocumentLimits, resolveDocumentLimits } from './limits.ts';
import { normalizeText } from './normalize-text.ts';

/** A document for {@link extractDocument}: what {@link inspectDocument} returned, after the queue. */
export type ExtractableDocument =
  | {
      /** Plain text. */
      kind: 'text';
      /** The text, normalized here. */
      text: string;
    }
  | {
      /** A PDF. */
      kind: 'pdf';
      /** The PDF file bytes (not modified: they are copied before parsing). */
      bytes: Uint8Array;
    };

/** Text ready to summarize. */
export interface ExtractedDocument {
  /** What the document was. */
  kind: 'text' | 'pdf';
  /** Normalized text (see {@link normalizeText}); PDF pages are separated by a blank line. */
  text: string;
  /** Pages of the PDF; 1 for text. */
  pages: number;
}

/** Options of {@link extractDocument} beyond the limits. */
export interface ExtractOptions {
  /** Aborts a running extraction (e.g. the job was cancelled); its reason is thrown as is. */
  signal?: AbortSignal;
}

/**
 * Turns a document into normalized text, in the worker. Text is normalized and checked against
 * `maxTextChars`; a PDF is parsed with pdf.js within `maxPages`, `maxTextChars`,
 * `maxDecodedBytes` and `timeoutMs`. Refusals throw {@link DocumentError} with `pdf_corrupt`,
 * `pdf_encrypted`, `pdf_no_text`, `pdf_timeout`, `pdf_too_large`, `too_large` or `empty`.
 *
 * @example
 * ```ts
 * const { text, pages } = await extractDocument({ kind: 'pdf', bytes }, { maxPages: 500 });
 * const chunks = chunkText(text, numCtx);
 * ```
 */
export async function extractDocument(
  doc: ExtractableDocument,
  limits: Partial<DocumentLimits> = {},
  options: ExtractOptions = {},
): Promise<ExtractedDocument> {
  const resolved = resolveDocumentLimits(limits);
  if (doc.kind === 'pdf') {
    const { text, pages } = await extractPdfText(doc.bytes, resolved, options.signal);
    return { kind: 'pdf', text, pages };
  }
  const text = normalizeText(doc.text);
  if (text === '') throw new DocumentError('empty', 'The document has no text.');
  if (text.length > resolved.maxTextChars) {
    throw new DocumentError(
      'too_large',
      `The document has ${text.length} characters; the limit is ${resolved.maxTextChars}.`,
    );
  }
  return { kind: 'text', text, pages: 1 };
}
