import type { DocumentContent, SummaryOptions, Usage } from '@nightshift/core';
import {
  DocumentError,
  type DocumentLimits,
  type ExtractableDocument,
  extractDocument,
} from '@nightshift/documents';
import {
  type CallAccount,
  type ModelChain,
  type SummarizeOptions,
  type SummaryCheckpoint,
  summarizeText,
} from '@nightshift/llm';

export type { SummaryCheckpoint };

/** One document to summarize, with the hooks the cold lane uses for preemption. */
export interface SummarizeDocumentRequest {
  content: DocumentContent;
  /** Main model; the configured fallbacks follow it. */
  model: string;
  summary: SummaryOptions;
  checkpoint?: SummaryCheckpoint | undefined;
  /** Awaited after each chunk with the progress to persist. */
  onCheckpoint?: (checkpoint: SummaryCheckpoint) => Promise<void>;
  /** Asked at chunk boundaries; true makes the summary throw `YieldRequestedError`. */
  shouldYield?: () => boolean;
  /** Whom its model calls' GPU time and energy are charged to (tenant, lane, batch, document). */
  account?: CallAccount;
}

export interface DocumentSummary {
  summary: string;
  model: string;
  degraded: boolean;
  usage: Usage;
  chunks: number;
}

/** Options of {@link DocumentSummarizer}. */
export interface DocumentSummarizerOptions {
  /** The model chain for a main model (fallbacks appended by the caller's factory). */
  chainFor: (model: string) => ModelChain;
  numCtx: number;
  maxTokens: number;
  documentLimits?: Partial<DocumentLimits>;
  /** Reads a blob's bytes (`DocumentBlobs.read`); needed for `kind: 'blob'` content. */
  readBlob?: (key: string) => Promise<Buffer | null>;
}

/**
 * Extraction then map-reduce summarization: the one path both lanes share. PDFs are parsed
 * here, in the worker, never in the API. Throws `DocumentError` for bad documents.
 *
 * @example
 * const summarizer = new DocumentSummarizer({ chainFor, numCtx: 8192, maxTokens: 2048 });
 * const { summary, model } = await summarizer.summarize({ content, model: 'qwen3:32b', summary: {} });
 */
export class DocumentSummarizer {
  constructor(readonly options: DocumentSummarizerOptions) {}

  async summarize(request: SummarizeDocumentRequest): Promise<DocumentSummary> {
    const extracted = await extractDocument(
      await this.#extractable(request.content),
      this.options.documentLimits,
    );
    // Built field by field: no spread objects or named closures per document (a worker summarizes
    // thousands a second).
    const options: SummarizeOptions = {
      text: extracted.text,
      chain: this.options.chainFor(request.model),
      numCtx: this.options.numCtx,
      maxTokens: this.options.maxTokens,
      summary: request.summary,
    };
    if (request.checkpoint) options.checkpoint = request.checkpoint;
    if (request.account) options.account = request.account;
    if (request.onCheckpoint) options.onChunkSummarized = savingCheckpoints(request.onCheckpoint);
    if (request.shouldYield) {
      options.shouldYield = request.shouldYield;
      options.yieldBeforeFirstCall = true;
    }
    const result = await summarizeText(options);
    return {
      summary: result.summary,
      model: result.model,
      degraded: result.degraded,
      usage: result.usage,
      chunks: result.chunks,
    };
  }

  async #extractable(content: DocumentContent): Promise<ExtractableDocument> {
    if (content.kind === 'text') return { kind: 'text', text: content.text };
    if (content.kind === 'pdf')
      return { kind: 'pdf', bytes: Buffer.from(content.base64, 'base64') };
    if (content.kind === 'request')
      throw new DocumentError('unsupported_type', 'A batch request line is not a document.');
    const bytes = await this.options.readBlob?.(content.key);
    // Only a blob that outlived its TTL (the result TTL) is missing: retrying cannot help.
    if (!bytes) throw new DocumentError('empty', 'The uploaded file is no longer stored.');
    return content.type === 'pdf'
      ? { kind: 'pdf', bytes }
      : { kind: 'text', text: textDecoder.decode(bytes) };
  }
}

/** `summarizeText`'s per-chunk hook that keeps only the checkpoint. */
function savingCheckpoints(
  save: (checkpoint: SummaryCheckpoint) => Promise<void>,
): NonNullable<SummarizeOptions['onChunkSummarized']> {
  return (_index, _summary, _usage, checkpoint) => save(checkpoint);
}

/** Validated as UTF-8 at the API; drops a byte order mark like the API's check did. */
const textDecoder = new TextDecoder('utf-8');
