import { z } from 'zod';
import { summaryOptions } from './batch-schemas.ts';

/**
 * Where a document's content travels inside a job: text as is, PDFs as base64, or (multipart
 * uploads, streamed at the API) a reference to a Redis blob holding the file's bytes.
 */
export const documentContent = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('text'), text: z.string() }),
  z.object({ kind: z.literal('pdf'), base64: z.string() }),
  z.object({
    kind: z.literal('blob'),
    /** Redis key of the bytes (`{nightshift}:blob:<uuid>`); deleted when the document ends. */
    key: z.string(),
    /** What the API's cheap checks found: a PDF, or UTF-8 text. */
    type: z.enum(['pdf', 'text']),
    /** Size of the blob in bytes. */
    bytes: z.number().int().nonnegative(),
  }),
  z.object({
    kind: z.literal('request'),
    /** One line of an OpenAI batch input file: the file and where the line sits in it. */
    fileId: z.string(),
    offset: z.number().int().nonnegative(),
    length: z.number().int().nonnegative(),
    /** The batch's endpoint (`/v1/chat/completions`, `/v1/embeddings`, `/v1/completions`). */
    endpoint: z.string(),
  }),
]);
export type DocumentContent = z.infer<typeof documentContent>;

/** One document of a batch as a cold job carries it. */
export const coldDocument = z.object({
  documentId: z.string(),
  index: z.number().int().nonnegative(),
  content: documentContent,
});
export type ColdDocument = z.infer<typeof coldDocument>;

/**
 * A child job on the `cold` queue: one document of a batch, or (small documents of a large
 * batch) that document and the few that follow it, run one after the other in the same slot.
 */
export const coldJobData = coldDocument.extend({
  batchId: z.string(),
  tenant: z.string(),
  model: z.string(),
  summary: summaryOptions,
  /** Documents run after the first in the same job, in order; absent for a lone document. */
  more: z.array(coldDocument).optional(),
});
export type ColdJobData = z.infer<typeof coldJobData>;

/** The parent job on the `batches` queue: completes when every document is done. */
export const batchJobData = z.object({ batchId: z.string(), tenant: z.string() });
export type BatchJobData = z.infer<typeof batchJobData>;

/** A job on the `hot` queue: one interactive summary someone is waiting for. */
export const hotJobData = z.object({
  tenant: z.string(),
  model: z.string(),
  summary: summaryOptions,
  content: documentContent,
});
export type HotJobData = z.infer<typeof hotJobData>;

/**
 * The documents of a cold job, in the order they run.
 *
 * @example
 * for (const document of coldDocumentsOf(job.data)) await run(document);
 */
export function coldDocumentsOf(data: ColdJobData): ColdDocument[] {
  const first = { documentId: data.documentId, index: data.index, content: data.content };
  return data.more ? [first, ...data.more] : [first];
}
