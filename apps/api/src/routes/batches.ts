import { createRoute } from '@hono/zod-openapi';
import {
  type BatchStore,
  type BatchSubmitter,
  type DocumentBlobs,
  type UnfinishedLimit,
  UnfinishedQuotaError,
} from '@nightshift/batches';
import { batchOptions, createBatchBody, documentResult, listBatchesQuery } from '@nightshift/core';
import type { MiddlewareHandler } from 'hono';
import { stream } from 'hono/streaming';
import { z } from 'zod';
import { type BatchIntake, type IntakeLimits, intakeJson } from '../batch-intake.ts';
import { queuedQuotaProblem } from '../batch-quotas.ts';
import { idParam } from '../middleware/id-param.ts';
import { streamedBodyLimit } from '../middleware/streamed-body-limit.ts';
import type { TenantVariables } from '../middleware/tenant-auth.ts';
import { intakeMultipartStream } from '../multipart-intake.ts';
import { apiRouter, serveRoute, validQuery } from '../openapi/api-router.ts';
import {
  batchExample,
  batchIdParams,
  batchNotFound,
  batchSchema,
  bearerSecurity,
  bodyTooLarge,
  invalid,
  jsonResponse,
  problemResponses,
  unauthorized,
} from '../openapi/responses.ts';
import { ProblemError, problem } from '../problem.ts';

/** Options of {@link batchRoutes}. */
export interface BatchRoutesOptions {
  store: BatchStore;
  submitter: BatchSubmitter;
  limits: IntakeLimits;
  /** Where multipart files are streamed (Redis blobs the worker reads). */
  blobs: Pick<DocumentBlobs, 'newKey' | 'append' | 'delete'>;
  /** Largest request body accepted, in bytes (413 beyond). */
  maxBodyBytes: number;
  /** Model used when a batch names none. */
  defaultModel: string;
  /** Submission-time SSRF check of `webhook.url`; `detail` says why it was refused. */
  checkWebhookUrl: (url: string) => Promise<{ ok: true } | { ok: false; detail: string }>;
  /** Run before the body is read on `POST /` (the per-tenant batch rate limit). */
  guards?: MiddlewareHandler<{ Variables: TenantVariables }>[];
  /**
   * Quotas checked after intake, before anything is queued: throws a ProblemError, or hands
   * back the unfinished-documents limit that the batch is written under.
   */
  admit?: (tenant: string, documents: BatchIntake['documents']) => Promise<UnfinishedLimit>;
}

/** The multipart form of `POST /v1/batches`, as documented (read by the streamed intake). */
const multipartBatch = z.object({
  file: z
    .array(z.string().meta({ format: 'binary' }))
    .describe('One part per document: a PDF (`application/pdf`) or text file.'),
  options: batchOptions
    .optional()
    .describe('JSON: the same options as the JSON body, without `documents`.'),
});

const batchAnswer = (description: string) =>
  jsonResponse(description, batchSchema, { batch: { value: batchExample } });

const createBatch = createRoute({
  method: 'post',
  path: '/',
  tags: ['batches'],
  summary: 'Submit a batch of documents for the cold lane',
  description:
    'Documents wait in the cold lane and are summarized inside off-peak windows. Send JSON (text or base64 PDFs) or `multipart/form-data` (one `file` part per document plus an optional `options` JSON part).',
  security: bearerSecurity,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: createBatchBody.meta({ id: 'CreateBatch' }),
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
      },
    },
  },
  responses: {
    202: {
      ...batchAnswer('Accepted: the batch object; `Location` names it.'),
      headers: { Location: { description: '`/v1/batches/{id}`', schema: { type: 'string' } } },
    },
    ...problemResponses({
      ...unauthorized,
      400: {
        description: 'The body is not valid JSON or multipart.',
        slug: 'malformed-json',
        detail: 'The body is not valid JSON.',
      },
      ...bodyTooLarge,
      415: {
        description: 'Neither JSON nor multipart.',
        slug: 'unsupported-media-type',
        detail: 'Send application/json or multipart/form-data.',
      },
      ...invalid(
        'A field is invalid, a document is unreadable, a limit is exceeded, or the webhook URL is refused.',
        'documents.0: give exactly one of text or pdf',
      ),
      429: {
        description: 'Over the batch submission rate limit.',
        slug: 'rate-limited',
        detail: 'Over the batches limit; retry in 20 s.',
      },
    }),
  },
});

const listBatches = createRoute({
  method: 'get',
  path: '/',
  tags: ['batches'],
  summary: 'List this tenant’s batches, newest first',
  security: bearerSecurity,
  request: { query: listBatchesQuery },
  responses: {
    200: jsonResponse(
      'A page of batches.',
      z
        .object({
          object: z.literal('list'),
          data: z.array(batchSchema),
          hasMore: z.boolean(),
          lastId: z.string().nullable().describe('Pass as `after` to get the next page.'),
        })
        .meta({ id: 'BatchList' }),
      {
        page: {
          value: { object: 'list', data: [batchExample], hasMore: false, lastId: batchExample.id },
        },
      },
    ),
    ...problemResponses({
      ...unauthorized,
      ...invalid('Bad `limit` or `after`.', 'limit: Too big: expected number to be <=100'),
    }),
  },
});

const getBatch = createRoute({
  method: 'get',
  path: '/{id}',
  tags: ['batches'],
  summary: 'Get a batch: status, counts, usage',
  security: bearerSecurity,
  request: { params: batchIdParams },
  responses: {
    200: batchAnswer('The batch object.'),
    ...problemResponses({ ...unauthorized, ...batchNotFound }),
  },
});

const batchResults = createRoute({
  method: 'get',
  path: '/{id}/results',
  tags: ['batches'],
  summary: 'Stream the results, one NDJSON line per document',
  description:
    'Each line is a `DocumentResult`. Documents not finished yet are listed with their current status.',
  security: bearerSecurity,
  request: { params: batchIdParams },
  responses: {
    200: {
      description: 'NDJSON: one `DocumentResult` per line.',
      content: {
        'application/x-ndjson': {
          schema: documentResult.meta({ id: 'DocumentResult' }),
          examples: {
            succeeded: {
              value: {
                documentId: 'contract-17',
                status: 'succeeded',
                summary: 'A two-year supply agreement between…',
                model: 'qwen3:32b',
                degraded: false,
                usage: {
                  promptTokens: 1840,
                  completionTokens: 96,
                  gpuSeconds: 4.21,
                  energyWh: 0.52,
                },
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
      },
    },
    ...problemResponses({ ...unauthorized, ...batchNotFound }),
  },
});

const cancelBatch = createRoute({
  method: 'post',
  path: '/{id}/cancel',
  tags: ['batches'],
  summary: 'Cancel a batch: queued documents end `cancelled`',
  security: bearerSecurity,
  request: { params: batchIdParams },
  responses: {
    200: batchAnswer('The batch after cancelling.'),
    ...problemResponses({ ...unauthorized, ...batchNotFound }),
  },
});

/**
 * `/v1/batches`: create (JSON or multipart), list, get, stream results as NDJSON, cancel.
 * A tenant only ever sees its own batches; another tenant's id answers 404.
 *
 * @example
 * app.route('/v1/batches', batchRoutes({ store, submitter, limits, ... }));
 */
export function batchRoutes(options: BatchRoutesOptions) {
  const { store, submitter } = options;
  const app = apiRouter<{ Variables: TenantVariables }>();

  const admitAndSubmit = async (tenant: string, intake: BatchIntake) => {
    const unfinishedLimit = await options.admit?.(tenant, intake.documents);
    const webhook = intake.options.webhook;
    if (webhook) {
      const check = await options.checkWebhookUrl(webhook.url);
      if (!check.ok) {
        throw new ProblemError(422, 'webhook-url-refused', `webhook.url: ${check.detail}`, {
          errors: [{ field: 'webhook.url', message: check.detail }],
        });
      }
    }
    return submitter.submit({
      tenant,
      documents: intake.documents,
      model: intake.options.model ?? options.defaultModel,
      summary: intake.options.summary ?? {},
      metadata: intake.options.metadata ?? {},
      webhook: webhook ? { url: webhook.url, events: webhook.events } : null,
      completionWindow: intake.options.completionWindow ?? '24h',
      ...(unfinishedLimit ? { unfinishedLimit } : {}),
    });
  };

  const bodyLimit = streamedBodyLimit({
    maxBytes: options.maxBodyBytes,
    onTooLarge: (c) =>
      problem(c, 413, 'body-too-large', `The request body is over ${options.maxBodyBytes} bytes.`),
  });
  const validId = idParam({ name: 'id', kind: 'batch', notFound });

  // The rate limit runs before the body is read; the body is counted as it streams in.
  serveRoute(
    app,
    { ...createBatch, middleware: [...(options.guards ?? []), bodyLimit] },
    async (c) => {
      const intake = await readIntake(c.req.raw, options.limits, options.blobs);
      let batch: Awaited<ReturnType<typeof submitter.submit>>;
      try {
        batch = await admitAndSubmit(c.get('tenant'), intake);
      } catch (error) {
        // Refused after intake (quota, webhook URL, Redis): the streamed files go too.
        await options.blobs.delete(intake.blobKeys).catch(() => undefined);
        throw error instanceof UnfinishedQuotaError ? queuedQuotaProblem(error) : error;
      }
      c.header('location', `/v1/batches/${batch.id}`);
      return c.json(batch, 202);
    },
  );

  serveRoute(app, listBatches, async (c) => {
    const query = validQuery<z.output<typeof listBatchesQuery>>(c);
    const page = await store.list(c.get('tenant'), query);
    return c.json({
      object: 'list',
      data: page.data,
      hasMore: page.hasMore,
      lastId: page.data.at(-1)?.id ?? null,
    });
  });

  serveRoute(app, { ...getBatch, middleware: [validId] }, async (c) => {
    const batch = await store.getForTenant(c.get('tenant'), c.req.param('id'));
    return batch ? c.json(batch) : notFound(c, c.req.param('id'));
  });

  serveRoute(app, { ...batchResults, middleware: [validId] }, async (c) => {
    const id = c.req.param('id');
    if (!(await store.getForTenant(c.get('tenant'), id))) return notFound(c, id);
    c.header('content-type', 'application/x-ndjson');
    return stream(c, async (out) => {
      for await (const line of store.results(id)) await out.write(`${JSON.stringify(line)}\n`);
    });
  });

  serveRoute(app, { ...cancelBatch, middleware: [validId] }, async (c) => {
    const batch = await submitter.cancel(c.get('tenant'), c.req.param('id'));
    return batch ? c.json(batch) : notFound(c, c.req.param('id'));
  });

  return app;
}

function notFound(c: Parameters<typeof problem>[0], id: string) {
  return problem(c, 404, 'batch-not-found', `No batch '${id}' for this API key.`);
}

/** A batch as read from the body, with the blobs its multipart files were streamed into. */
async function readIntake(
  request: Request,
  limits: IntakeLimits,
  blobs: BatchRoutesOptions['blobs'],
): Promise<BatchIntake & { blobKeys: string[] }> {
  const type = request.headers.get('content-type') ?? '';
  if (type.startsWith('application/json')) {
    let body: unknown;
    try {
      body = await request.json();
    } catch {
      throw new ProblemError(400, 'malformed-json', 'The body is not valid JSON.');
    }
    return { ...intakeJson(body, limits), blobKeys: [] };
  }
  if (type.startsWith('multipart/form-data')) return intakeMultipartStream(request, limits, blobs);
  throw new ProblemError(
    415,
    'unsupported-media-type',
    'Send application/json or multipart/form-data.',
  );
}
