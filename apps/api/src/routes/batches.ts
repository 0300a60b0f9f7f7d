import {
  type BatchStore,
  type BatchSubmitter,
  type DocumentBlobs,
  type UnfinishedLimit,
  UnfinishedQuotaError,
} from '@nightshift/batches';
import { listBatchesQuery } from '@nightshift/core';
import { Hono, type MiddlewareHandler } from 'hono';
import { stream } from 'hono/streaming';
import { type BatchIntake, type IntakeLimits, intakeJson } from '../batch-intake.ts';
import { queuedQuotaProblem } from '../batch-quotas.ts';
import { idParam } from '../middleware/id-param.ts';
import { streamedBodyLimit } from '../middleware/streamed-body-limit.ts';
import type { TenantVariables } from '../middleware/tenant-auth.ts';
import { intakeMultipartStream } from '../multipart-intake.ts';
import { ProblemError, problem, validationProblem } from '../problem.ts';

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

/**
 * `/v1/batches`: create (JSON or multipart), list, get, stream results as NDJSON, cancel.
 * A tenant only ever sees its own batches; another tenant's id answers 404.
 *
 * @example
 * app.route('/v1/batches', batchRoutes({ store, submitter, limits, ... }));
 */
export function batchRoutes(options: BatchRoutesOptions) {
  const { store, submitter } = options;
  const app = new Hono<{ Variables: TenantVariables }>();

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

  for (const guard of options.guards ?? []) app.post('/', guard);
  app.post(
    '/',
    streamedBodyLimit({
      maxBytes: options.maxBodyBytes,
      onTooLarge: (c) =>
        problem(
          c,
          413,
          'body-too-large',
          `The request body is over ${options.maxBodyBytes} bytes.`,
        ),
    }),
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

  app.get('/', async (c) => {
    const query = listBatchesQuery.safeParse(c.req.query());
    if (!query.success) throw validationProblem(query.error);
    const page = await store.list(c.get('tenant'), query.data);
    return c.json({
      object: 'list',
      data: page.data,
      hasMore: page.hasMore,
      lastId: page.data.at(-1)?.id ?? null,
    });
  });

  const validId = idParam({ name: 'id', kind: 'batch', notFound });

  app.get('/:id', validId, async (c) => {
    const batch = await store.getForTenant(c.get('tenant'), c.req.param('id'));
    return batch ? c.json(batch) : notFound(c, c.req.param('id'));
  });

  app.get('/:id/results', validId, async (c) => {
    const id = c.req.param('id');
    if (!(await store.getForTenant(c.get('tenant'), id))) return notFound(c, id);
    c.header('content-type', 'application/x-ndjson');
    return stream(c, async (out) => {
      for await (const line of store.results(id)) await out.write(`${JSON.stringify(line)}\n`);
    });
  });

  app.post('/:id/cancel', validId, async (c) => {
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
