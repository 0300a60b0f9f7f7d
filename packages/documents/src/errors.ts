/**
 * Every way a document can be refused, stable across versions (extend, never rename): the API
 * and the worker map these to problem+json types and per-document result errors.
 *
 * Raised by {@link inspectDocument} at the API (cheap, no parsing):
 * - `empty`: no bytes, or text that is only whitespace.
 * - `too_large`: over `maxDocumentBytes` (also raised by extraction: over `maxPages` or `maxTextChars`).
 * - `not_a_pdf`: claims to be a PDF (kind, content type or `.pdf` name) but has no `%PDF-` header.
 * - `unsupported_type`: neither a PDF nor valid UTF-8 text (images, archives, UTF-16, ...).
 *
 * Raised by {@link extractDocument} in the worker:
 * - `pdf_corrupt`: the PDF cannot be parsed (broken structure, truncated, garbage).
 * - `pdf_encrypted`: the PDF needs a password to open.
 * - `pdf_no_text`: the PDF opens but has no extractable text (e.g. scanned pages, images only).
 * - `pdf_timeout`: extraction ran past `timeoutMs` (pathological files).
 * - `pdf_too_large`: the PDF's compressed streams inflate to more than `maxDecodedBytes`
 *   (a decompression bomb).
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * const DocumentErrorCodeSchema = z.enum(documentErrorCodes);
 * ```
 */
export const documentErrorCodes = [
  'empty',
  'too_large',
  'not_a_pdf',
  'unsupported_type',
  'pdf_corrupt',
  'pdf_encrypted',
  'pdf_no_text',
  'pdf_timeout',
  'pdf_too_large',
] as const;

/** One of {@link documentErrorCodes}. */
export type DocumentErrorCode = (typeof documentErrorCodes)[number];

/**
 * A document was refused; `code` says why in a stable, machine-readable way and `message`
 * says it in words fit to show the client.
 *
 * @example
 * ```ts
 * try { inspectDocument(input); } catch (err) {
 *   if (err instanceof DocumentError && err.code === 'too_large') return reply413(err.message);
 *   throw err;
 * }
 * ```
 */
export class DocumentError extends Error {
  /** Why the document was refused. */
  readonly code: DocumentErrorCode;

  constructor(code: DocumentErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DocumentError';
    this.code = code;
  }
}

/** True when `value` is a {@link DocumentError} (also across module copies, by name and code). */
export function isDocumentError(value: unknown): value is DocumentError {
  if (value instanceof DocumentError) return true;
  if (!(value instanceof Error) || value.name !== 'DocumentError') return false;
  const code = (value as { code?: unknown }).code;
  return (documentErrorCodes as readonly unknown[]).includes(code);
}
