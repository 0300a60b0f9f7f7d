import { batchOptions, documentResult, listBatchesQuery } from '@nightshift/core';
import { z } from 'zod';
import { batchExample, type Components, problemResponses, unauthorized } from '../components.ts';
import type { SpecBuilder } from '../spec-builder.ts';

const batchId = z.object({
  id: z.string().describe('A batch id, `batch_…`.').meta({ example: batchExample.id }),
});

const notFound = {
  404: {
    description: 'No such batch for this key (another tenant’s batch also answers 404).',
    slug: 'batch-not-found',
    detail: `No batch '${batchExample.id}' for this API key.`,
  },
};

/** The multipart form of `POST /v1/batches`, as OpenAPI describes it (not used to parse). */
const multipartBatch = z.object({
  file: z
    .array(z.string().meta({ format: 'binary' }))
    .describe('One part per document: a PDF (`application/pdf`) or text file.'),
  options: batchOptions
    .optional()
    .describe('JSON: the same options as the JSON body, without `documents`.'),
});

/** `/v1/batches…`: create (JSON or multipart), list, get, results (NDJSON), cancel. */
export function registerBatchPaths(spec: SpecBuilder, c: Components): void {
  const { registry } = spec;
  const security = [{ bearer: [] }];
  const batchAnswer = (where: string, status: number) =>
    spec.media(where, status, {
      'application/json': { schema: c.Batch, examples: { batch: { value: batchExample } } },
    });

  registry.registerPath({
    method: 'post',
    path: '/v1/batches',
    tags: ['batches'],
    summary: 'Submit a batch of documents for the cold lane',
    description:
      'Documents wait in the cold lane and are summarized inside off-peak windows. Send JSON (text or base64 PDFs) or `multipart/form-data` (one `file` part per document plus an optional `options` JSON part).',
    security,
    request: {
      body: {
        required: true,
        content: spec.media('POST /v1/batches', 'request', {
          'application/json': {
            schema: c.CreateBatch,
            examples: {
              texts: {
                summary: 'Two text documents with a webhook',
                value: {
                  documents: [
                    { id: 'contract-17', text: 'This agreement is made between…' },
                    { text: 'Minutes of the board meeting of 14 January…' },
                  ],
                  summary: { maxWords: 120, style: 'paragraph', language: 'en' },
                  webhook: { url: 'https://hooks.example.com/nightshift' },
                  completionWindow: '24h',
                  metadata: { team: 'legal' },
                },
              },
              pdf: {
                summary: 'One PDF, base64',
                value: {
                  documents: [
                    {
                      id: 'q3-report',
                      pdf: 'JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNj4+CnN0cmVhbQo=',
                    },
                  ],
                  model: 'qwen2:7b',
                },
              },
            },
          },
          'multipart/form-data': {
            schema: multipartBatch,
            examples: {
              files: {
                summary: 'Options part (the files are binary parts)',
                value: { file: ['<binary q3.pdf>'], options: { summary: { style: 'bullets' } } },
              },
            },
          },
        }),
      },
    },
    responses: {
      202: {
        description: 'Accepted: the batch object; `Location` names it.',
        headers: {
          Location: { description: '`/v1/batches/{id}`', schema: { type: 'string' } },
        },
        content: batchAnswer('POST /v1/batches', 202),
      },
      ...problemResponses(spec, c, 'POST /v1/batches', {
        ...unauthorized,
        400: {
          description: 'The body is not valid JSON or multipart.',
          slug: 'malformed-json',
          detail: 'The body is not valid JSON.',
        },
        413: {
          description: 'Body over `NIGHTSHIFT_MAX_BODY_BYTES`.',
          slug: 'body-too-large',
          detail: 'The request body is over 52428800 bytes.',
        },
        415: {
          description: 'Neither JSON nor multipart.',
          slug: 'unsupported-media-type',
          detail: 'Send application/json or multipart/form-data.',
        },
        422: {
          description:
            'A field is invalid, a document is unreadable, a limit is exceeded, or the webhook URL is refused.',
          slug: 'validation-error',
          detail: 'documents.0: give exactly one of text or pdf',
        },
        429: {
          description: 'Over the batch submission rate limit.',
          slug: 'rate-limited',
          detail: 'Over the batches limit; retry in 20 s.',
        },
      }),
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/v1/batches',
    tags: ['batches'],
    summary: 'List this tenant’s batches, newest first',
    security,
    request: { query: listBatchesQuery },
    responses: {
      200: {
        description: 'A page of batches.',
        content: spec.media('GET /v1/batches', 200, {
          'application/json': {
            schema: c.BatchList,
            examples: {
              page: {
                value: {
                  object: 'list',
                  data: [batchExample],
                  hasMore: false,
                  lastId: batchExample.id,
                },
              },
            },
          },
        }),
      },
      ...problemResponses(spec, c, 'GET /v1/batches', {
        ...unauthorized,
        422: {
          description: 'Bad `limit` or `after`.',
          slug: 'validation-error',
          detail: 'limit: Too big: expected number to be <=100',
        },
      }),
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/v1/batches/{id}',
    tags: ['batches'],
    summary: 'Get a batch: status, counts, usage',
    security,
    request: { params: batchId },
    responses: {
      200: { description: 'The batch object.', content: batchAnswer('GET /v1/batches/{id}', 200) },
      ...problemResponses(spec, c, 'GET /v1/batches/{id}', { ...unauthorized, ...notFound }),
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/v1/batches/{id}/results',
    tags: ['batches'],
    summary: 'Stream the results, one NDJSON line per document',
    description:
      'Each line is a `DocumentResult`. Documents not finished yet are listed with their current status.',
    security,
    request: { params: batchId },
    responses: {
      200: {
        description: 'NDJSON: one `DocumentResult` per line.',
        content: spec.media('GET /v1/batches/{id}/results', 200, {
          'application/x-ndjson': {
            schema: c.DocumentResult,
            exampleSchema: documentResult,
            examples: {
              succeeded: {
                value: {
                  documentId: 'contract-17',
                  status: 'succeeded',
                  summary: 'A two-year supply agreement between…',
                  model: 'qwen3:32b',
                  degraded: false,
                  usage: { promptTokens: 1840, completionTokens: 96 },
                },
              },
              failed: {
                value: {
                  documentId: 'scan-3',
                  status: 'failed',
                  error: { code: 'pdf_no_text', message: 'The PDF has no extractable text.' },
                  model: null,
                  usage: { promptTokens: 0, completionTokens: 0 },
                },
              },
            },
          },
        }),
      },
      ...problemResponses(spec, c, 'GET /v1/batches/{id}/results', {
        ...unauthorized,
        ...notFound,
      }),
    },
  });

  registry.registerPath({
    method: 'post',
    path: '/v1/batches/{id}/cancel',
    tags: ['batches'],
    summary: 'Cancel a batch: queued documents end `cancelled`',
    security,
    request: { params: batchId },
    responses: {
      200: {
        description: 'The batch after cancelling.',
        content: batchAnswer('POST /v1/batches/{id}/cancel', 200),
      },
      ...problemResponses(spec, c, 'POST /v1/batches/{id}/cancel', {
        ...unauthorized,
        ...notFound,
      }),
    },
  });
}
