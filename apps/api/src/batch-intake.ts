import {
  type BatchOptions,
  batchOptions,
  createBatchBody,
  type DocumentContent,
  type DocumentError,
} from '@nightshift/core';
import { type DocumentLimits, inspectDocument, isDocumentError } from '@nightshift/documents';
import { ProblemError, validationProblem } from './problem.ts';

/** A document as the API accepted it: queued content, or an error found by the cheap checks. */
export type IntakeDocument =
  | { id: string; content: DocumentContent }
  | { id: string; error: DocumentError };

export interface BatchIntake {
  options: BatchOptions;
  documents: IntakeDocument[];
}

/** Limits the intake enforces before anything touches Redis. */
export interface IntakeLimits {
  maxDocuments: number;
  document: Partial<DocumentLimits>;
}

/**
 * A JSON batch body → options and documents. Schema violations are a 422 naming the field;
 * documents that fail cheap checks (not a PDF, too large) become per-document errors so one
 * bad file never sinks the batch.
 */
export function intakeJson(body: unknown, limits: IntakeLimits): BatchIntake {
  const parsed = createBatchBody.safeParse(body);
  if (!parsed.success) throw validationProblem(parsed.error);
  const { documents, ...options } = parsed.data;
  checkCount(documents.length, limits);
  const ids = uniqueIds(documents.map((d) => d.id));
  return {
    options,
    documents: documents.map((document, index) => {
      const id = ids[index] as string;
      return document.text !== undefined
        ? inspect(id, { text: document.text }, limits)
        : inspect(
            id,
            { kind: 'pdf', bytes: Buffer.from(document.pdf as string, 'base64') },
            limits,
          );
    }),
  };
}

/**
 * The JSON `options` part of a multipart batch (absent: defaults). Not JSON is a 400, a schema
 * violation a 422 naming the field.
 */
export function parseOptionsPart(text: string | null): BatchOptions {
  if (text === null) return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ProblemError(400, 'malformed-request', 'The options part is not valid JSON.');
  }
  const parsed = batchOptions.safeParse(json);
  if (!parsed.success) throw validationProblem(parsed.error, 'options');
  return parsed.data;
}

function inspect(
  id: string,
  input: Parameters<typeof inspectDocument>[0],
  limits: IntakeLimits,
): IntakeDocument {
  try {
    const document = inspectDocument(input, limits.document);
    return document.kind === 'text'
      ? { id, content: { kind: 'text', text: document.text } }
      : { id, content: { kind: 'pdf', base64: Buffer.from(document.bytes).toString('base64') } };
  } catch (error) {
    if (!isDocumentError(error)) throw error;
    return { id, error: { code: error.code, message: error.message } };
  }
}

/** More documents than `maxDocuments` is a 413. */
export function checkCount(count: number, limits: IntakeLimits) {
  if (count > limits.maxDocuments) {
    throw new ProblemError(
      413,
      'too-many-documents',
      `A batch holds at most ${limits.maxDocuments} documents; this one has ${count}. Split it.`,
      { limit: limits.maxDocuments, received: count },
    );
  }
}

/** Client ids are kept; missing ones become `doc_<n>`; duplicates are a 422. */
export function uniqueIds(ids: (string | undefined)[]): string[] {
  const seen = new Set<string>();
  return ids.map((id, index) => {
    const value = id ?? `doc_${index}`;
    if (seen.has(value)) {
      throw new ProblemError(
        422,
        'validation-error',
        `documents.${index}.id: '${value}' is used twice`,
        {
          errors: [{ field: `documents.${index}.id`, message: `'${value}' is used twice` }],
        },
      );
    }
    seen.add(value);
    return value;
  });
}

/** A file name made safe to use as a document id. */
export function safeId(name: string): string | undefined {
  const cleaned = name.replace(/[^A-Za-z0-9_.:@/-]/g, '_').slice(0, 128);
  return cleaned || undefined;
}
