/**
 * Limits on one document. Every field has a default in {@link defaultDocumentLimits}; functions
 * take a `Partial<DocumentLimits>` and fill the rest from the defaults.
 */
export interface DocumentLimits {
  /** Largest accepted document in bytes (UTF-8 bytes for text, file bytes for PDFs). Default 20 MiB. */
  maxDocumentBytes: number;
  /** Most pages a PDF may have; more is refused as `too_large` before its text is read. Default 2000. */
  maxPages: number;
  /** Most characters of extracted, normalized text; more is refused as `too_large`. Default 5,000,000. */
  maxTextChars: number;
  /** Longest a PDF extraction may run, in milliseconds, before it is refused as `pdf_timeout`. Default 60,000. */
  timeoutMs: number;
  /**
   * Most bytes a PDF's compressed streams may inflate to, all together, while its text is read;
   * more is refused as `pdf_too_large` the moment pdf.js's decoding passes it. Default 64 MiB.
   */
  maxDecodedBytes: number;
}

/**
 * The limits used where none are given.
 *
 * @example
 * ```ts
 * const limits = { ...defaultDocumentLimits, maxPages: 500 };
 * ```
 */
export const defaultDocumentLimits: Readonly<DocumentLimits> = Object.freeze({
  maxDocumentBytes: 20 * 1024 * 1024,
  maxPages: 2000,
  maxTextChars: 5_000_000,
  timeoutMs: 60_000,
  maxDecodedBytes: 64 * 1024 * 1024,
});

/** Fills missing (or undefined) fields of `limits` from {@link defaultDocumentLimits}. */
export function resolveDocumentLimits(limits: Partial<DocumentLimits> = {}): DocumentLimits {
  return {
    maxDocumentBytes: limits.maxDocumentBytes ?? defaultDocumentLimits.maxDocumentBytes,
    maxPages: limits.maxPages ?? defaultDocumentLimits.maxPages,
    maxTextChars: limits.maxTextChars ?? defaultDocumentLimits.maxTextChars,
    timeoutMs: limits.timeoutMs ?? defaultDocumentLimits.timeoutMs,
    maxDecodedBytes: limits.maxDecodedBytes ?? defaultDocumentLimits.maxDecodedBytes,
  };
}
