import type { Redis } from 'ioredis';
import { anthropicBatchEndpoint } from './anthropic-batch-input.ts';
import { anthropicBatchKey } from './anthropic-batches.ts';
import { openAiBatchKey } from './openai-batches.ts';

/** Why a request line's answer is not stored: the error its line gets in the error file. */
export interface ResponseRefusal {
  code: 'response_too_large' | 'batch_output_too_large';
  message: string;
}

/** Options of {@link ResponseBounds}. */
export interface ResponseBoundsOptions {
  /** A client connection (commands only). */
  redis: Redis;
  /** Bytes of one line's answer (`NIGHTSHIFT_OPENAI_BATCH_MAX_RESPONSE_BYTES`). */
  maxLineBytes: number;
  /** Bytes of answers of one batch together (`NIGHTSHIFT_OPENAI_BATCH_MAX_OUTPUT_BYTES`). */
  maxBatchBytes: number;
}

/**
 * What one OpenAI batch (or Anthropic Message Batch) may store of its answers: each answer is stored until the output file
 * is written, so an answer past the per-line limit, or one that would take the batch past its
 * total, is refused and its line fails instead. The total is counted on the batch's record
 * (`storedBytes`), shared by every worker running its lines.
 *
 * @example
 * const refusal = await bounds.admit(batchId, answer.body);
 * if (refusal) recordFailed(refusal);
 */
export class ResponseBounds {
  readonly #o: ResponseBoundsOptions;

  constructor(options: ResponseBoundsOptions) {
    this.#o = options;
  }

  /**
   * Counts `body` against the batch's bounds; a refusal when it cannot be stored. `endpoint`
   * (the line's) says whose record counts: an Anthropic Message Batch's or an OpenAI batch's.
   */
  async admit(batchId: string, body: unknown, endpoint?: string): Promise<ResponseRefusal | null> {
    const { redis, maxLineBytes, maxBatchBytes } = this.#o;
    const bytes = Buffer.byteLength(JSON.stringify(body ?? null));
    if (bytes > maxLineBytes)
      return {
        code: 'response_too_large',
        message: `The answer (${bytes} bytes) is longer than the ${maxLineBytes} bytes one request of a batch may store. Ask for less per request (fewer inputs, fewer tokens, base64 embeddings).`,
      };
    const key =
      endpoint === anthropicBatchEndpoint ? anthropicBatchKey(batchId) : openAiBatchKey(batchId);
    const total = await redis.hincrby(key, 'storedBytes', bytes);
    if (total <= maxBatchBytes) return null;
    // Given back, so that a smaller answer after this one may still fit.
    await redis.hincrby(key, 'storedBytes', -bytes);
    return {
      code: 'batch_output_too_large',
      message: `The batch's answers would pass the ${maxBatchBytes} bytes one batch may store; this request's answer (${bytes} bytes) was not kept.`,
    };
  }
}
