import { DocumentError } from './errors.ts';
import { claimsPdf, declaredBinary, hasPdfHeader, mediaType } from './inspect.ts';
import { type DocumentLimits, resolveDocumentLimits } from './limits.ts';

/** What a streamed file declared about itself (multipart part headers). */
export interface StreamedDocumentInfo {
  /** The file's name as uploaded; a `.pdf` name counts as a PDF claim. */
  filename?: string;
  /** The declared media type. */
  contentType?: string;
}

/** Bytes `%PDF-` may sit after: the head is kept until this many bytes decide PDF or text. */
const headWindow = 1024;

/**
 * {@link inspectDocument}'s cheap checks on a stream, chunk by chunk, without holding the
 * document: the first 1024 bytes decide PDF or text, text is decoded as UTF-8 as it arrives.
 * The outcome (kind or error code) is the same as `inspectDocument` on the whole bytes.
 *
 * @example
 * ```ts
 * const inspector = new DocumentStreamInspector({ filename: 'a.txt' }, { maxDocumentBytes });
 * for await (const chunk of file) if (inspector.push(chunk)) await store(chunk);
 * const { kind, byteLength } = inspector.end(); // throws DocumentError
 * ```
 */
export class DocumentStreamInspector {
  readonly #info: StreamedDocumentInfo;
  readonly #max: number;
  #bytes = 0;
  #head: Uint8Array[] = [];
  #headBytes = 0;
  #kind: 'pdf' | 'text' | null = null;
  #error: DocumentError | null = null;
  #decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  #hasText = false;

  constructor(info: StreamedDocumentInfo, limits: Partial<DocumentLimits> = {}) {
    this.#info = info;
    this.#max = resolveDocumentLimits(limits).maxDocumentBytes;
  }

  /** Bytes seen so far. */
  get byteLength(): number {
    return this.#bytes;
  }

  /** True while the document can still be accepted (worth storing the next chunk). */
  get ok(): boolean {
    return this.#error === null && this.#bytes <= this.#max;
  }

  /** Feeds the next chunk; returns {@link ok}. Keep pushing after false: sizes still count. */
  push(chunk: Uint8Array): boolean {
    this.#bytes += chunk.length;
    if (!this.ok || chunk.length === 0) return this.ok;
    if (this.#kind === null) {
      this.#head.push(chunk);
      this.#headBytes += chunk.length;
      if (this.#headBytes >= headWindow) this.#decide();
    } else if (this.#kind === 'text') {
      this.#decode(chunk, true);
    }
    return this.ok;
  }

  /** Ends the stream: the document's kind and size, or throws its {@link DocumentError}. */
  end(): { kind: 'pdf' | 'text'; byteLength: number } {
    if (this.#bytes === 0) throw new DocumentError('empty', 'The document is empty (0 bytes).');
    if (this.#bytes > this.#max) {
      throw new DocumentError(
        'too_large',
        `The document is ${this.#bytes} bytes; the limit is ${this.#max} bytes.`,
      );
    }
    if (this.#kind === null && this.#error === null) this.#decide();
    if (this.#kind === 'text' && this.#error === null) this.#decode(new Uint8Array(0), false);
    if (this.#error) throw this.#error;
    if (this.#kind === 'text' && !this.#hasText) {
      throw new DocumentError('empty', 'The document has no text.');
    }
    return { kind: this.#kind as 'pdf' | 'text', byteLength: this.#bytes };
  }

  #decide() {
    const head = Buffer.concat(this.#head);
    this.#head = [];
    if (hasPdfHeader(head)) {
      this.#kind = 'pdf';
      return;
    }
    if (claimsPdf(this.#info)) {
      this.#error = new DocumentError(
        'not_a_pdf',
        'The document claims to be a PDF but has no PDF header.',
      );
      return;
    }
    if (declaredBinary(this.#info.contentType)) {
      this.#error = new DocumentError(
        'unsupported_type',
        `Documents of type ${mediaType(this.#info.contentType)} are not supported; send a PDF or UTF-8 text.`,
      );
      return;
    }
    this.#kind = 'text';
    this.#decode(head, true);
  }

  #decode(chunk: Uint8Array, more: boolean) {
    let text: string;
    try {
      text = this.#decoder.decode(chunk, { stream: more });
    } catch (cause) {
      this.#error = new DocumentError(
        'unsupported_type',
        'The document is neither a PDF nor UTF-8 text.',
        { cause },
      );
      return;
    }
    if (text.includes('\u0000')) {
      this.#error = new DocumentError(
        'unsupported_type',
        'The document contains NUL bytes: it is binary or not UTF-8 (UTF-16?), send UTF-8 text.',
      );
      return;
    }
    if (!this.#hasText && /\S/.test(text)) this.#hasText = true;
  }
}
