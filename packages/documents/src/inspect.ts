import { DocumentError } from './errors.ts';
import { type DocumentLimits, resolveDocumentLimits } from './limits.ts';

/**
 * A document as it arrives at the API. From a JSON body: `text`, or the base64 `pdf` field
 * decoded into `bytes` with `kind: 'pdf'`. From multipart: the file part's `bytes`, `filename`
 * and `contentType`.
 */
export interface DocumentInput {
  /** What the client says the document is; a PDF claim is checked against the bytes. */
  kind?: 'text' | 'pdf';
  /** Text submitted as a string (JSON `text`). Takes precedence over `bytes`. */
  text?: string;
  /** Raw file bytes (decoded JSON `pdf`, or a multipart file part). */
  bytes?: Uint8Array;
  /** The file's name as uploaded; a `.pdf` name counts as a PDF claim. */
  filename?: string;
  /** The declared media type (e.g. `application/pdf`, `text/plain; charset=utf-8`). */
  contentType?: string;
}

/** A document that passed {@link inspectDocument}; safe to put on a queue. */
export type InspectedDocument =
  | {
      /** Plain text. */
      kind: 'text';
      /** The text as submitted (decoded from UTF-8 when it came as bytes), not yet normalized. */
      text: string;
      /** Size in UTF-8 bytes. */
      byteLength: number;
      /** The uploaded file name, when there was one. */
      filename?: string;
    }
  | {
      /** A PDF (header checked only; parsing happens in {@link extractDocument}). */
      kind: 'pdf';
      /** The PDF file bytes. */
      bytes: Uint8Array;
      /** Size in bytes. */
      byteLength: number;
      /** The uploaded file name, when there was one. */
      filename?: string;
    };

const pdfMagic = [0x25, 0x50, 0x44, 0x46, 0x2d]; // %PDF-
/** pdf.js, like Acrobat, accepts junk before the header within the first 1024 bytes. */
const pdfHeaderWindow = 1024;

/** True when `%PDF-` occurs within the first 1024 bytes, where PDF readers look for it. */
export function hasPdfHeader(bytes: Uint8Array): boolean {
  const end = Math.min(bytes.length, pdfHeaderWindow) - pdfMagic.length;
  outer: for (let i = 0; i <= end; i++) {
    for (let j = 0; j < pdfMagic.length; j++) {
      if (bytes[i + j] !== pdfMagic[j]) continue outer;
    }
    return true;
  }
  return false;
}

/** The media type of a Content-Type header, lower case, without parameters. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** True when the input claims to be a PDF: its kind, media type or `.pdf` file name. */
export function claimsPdf(
  input: Pick<DocumentInput, 'kind' | 'contentType' | 'filename'>,
): boolean {
  const type = mediaType(input.contentType);
  return (
    input.kind === 'pdf' ||
    type === 'application/pdf' ||
    type === 'application/x-pdf' ||
    /\.pdf$/i.test(input.filename ?? '')
  );
}

/** Media types that can never be summarizable text, whatever their bytes decode to. */
export function declaredBinary(contentType: string | undefined): boolean {
  return /^(image|audio|video|font)\//.test(mediaType(contentType));
}

function optional(filename: string | undefined): { filename?: string } {
  return filename === undefined ? {} : { filename };
}

function inspectText(
  text: string,
  input: DocumentInput,
  limits: DocumentLimits,
): InspectedDocument {
  const byteLength = Buffer.byteLength(text, 'utf8');
  if (byteLength > limits.maxDocumentBytes) {
    throw new DocumentError(
      'too_large',
      `The document is ${byteLength} bytes; the limit is ${limits.maxDocumentBytes} bytes.`,
    );
  }
  if (!/\S/.test(text)) throw new DocumentError('empty', 'The document has no text.');
  return { kind: 'text', text, byteLength, ...optional(input.filename) };
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch (cause) {
    throw new DocumentError('unsupported_type', 'The document is neither a PDF nor UTF-8 text.', {
      cause,
    });
  }
}

/**
 * Cheap checks at the API, without parsing: decides whether the input is a PDF or text,
 * enforces `maxDocumentBytes`, rejects empty input, a false PDF claim (`not_a_pdf`) and bytes
 * that are neither a PDF nor valid UTF-8 text (`unsupported_type`; text with NUL bytes, such as
 * UTF-16, counts as binary). A PDF is recognised by its `%PDF-` header alone, whatever was
 * declared. Throws {@link DocumentError}; nothing else is thrown for bad input.
 *
 * @example
 * ```ts
 * const doc = inspectDocument({ bytes: file, filename: 'q3.pdf', contentType: 'application/pdf' });
 * await queue.add('summarize', { kind: doc.kind, pdf: Buffer.from(doc.bytes).toString('base64') });
 * ```
 */
export function inspectDocument(
  input: DocumentInput,
  limits: Partial<DocumentLimits> = {},
): InspectedDocument {
  const resolved = resolveDocumentLimits(limits);
  if (typeof input.text === 'string') {
    if (input.kind === 'pdf') {
      throw new DocumentError('not_a_pdf', 'A PDF was declared but text was sent.');
    }
    return inspectText(input.text, input, resolved);
  }
  const bytes = input.bytes ?? new Uint8Array(0);
  if (bytes.length === 0) throw new DocumentError('empty', 'The document is empty (0 bytes).');
  if (bytes.length > resolved.maxDocumentBytes) {
    throw new DocumentError(
      'too_large',
      `The document is ${bytes.length} bytes; the limit is ${resolved.maxDocumentBytes} bytes.`,
    );
  }
  if (hasPdfHeader(bytes)) {
    return { kind: 'pdf', bytes, byteLength: bytes.length, ...optional(input.filename) };
  }
  if (claimsPdf(input)) {
    throw new DocumentError('not_a_pdf', 'The document claims to be a PDF but has no PDF header.');
  }
  if (declaredBinary(input.contentType)) {
    throw new DocumentError(
      'unsupported_type',
      `Documents of type ${mediaType(input.contentType)} are not supported; send a PDF or UTF-8 text.`,
    );
  }
  const text = decodeUtf8(bytes);
  if (text.includes('\u0000')) {
    throw new DocumentError(
      'unsupported_type',
      'The document contains NUL bytes: it is binary or not UTF-8 (UTF-16?), send UTF-8 text.',
    );
  }
  return inspectText(text, input, resolved);
}
