import type { StoredBatch } from '@nightshift/batches';
import { UnfinishedQuotaError } from '@nightshift/batches';
import {
  type AnthropicBatches,
  InvalidMessageBatchError,
  messageBatchIdPattern,
  type StorageQuota,
  toAnthropicBatch,
} from '@nightshift/openai-batches';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { streamedBodyLimit } from '../middleware/streamed-body-limit.ts';
import type { TenantVariables } from '../middleware/tenant-auth.ts';
import {
  anthropicErrorBody,
  anthropicInvalidBody,
  anthropicNotFound,
} from './anthropic-dialect.ts';

/** Options of {@link anthropicBatchRoutes}. */
export interface AnthropicBatchRoutesOptions {
  batches: AnthropicBatches;
  /**
   * Bytes of a create body: the requests are parsed whole, then stored as a file
   * (`NIGHTSHIFT_MAX_BODY_BYTES`, and no more than `NIGHTSHIFT_OPENAI_FILE_MAX_BYTES`).
   */
  maxBodyBytes: number;
  /** The tenant's quota of unfinished documents and requests (`NIGHTSHIFT_MAX_QUEUED_PER_TENANT` or its override). */
  maxUnfinished: (tenant: string) => Promise<number>;
  /** Refuses webhook addresses in private ranges (unless allowed), as native batches do. */
  checkWebhookUrl: (url: string) => Promise<{ ok: true } | { ok: false; detail: string }>;
  /** The tenant's file storage quota, which the stored requests count in; none: unlimited. */
  storageQuota?: (tenant: string) => Promise<StorageQuota>;
  /**
   * What a create passes first: the tenant's batch submission rate limit, the bucket
   * `POST /v1/batches` and `/openai/v1` uploads and batches spend too, refusing in Anthropic's shape.
   */
  submissionGuard?: MiddlewareHandler<{ Variables: TenantVariables }>;
}

/** `POST /v1/messages/batches`: Anthropic's `requests`, plus the `webhook` extension. */
const createBody = z.object({
  requests: z
    .array(
      z.object({
        custom_id: z
          .string()
          .regex(/^[a-zA-Z0-9_-]{1,64}$/, '1 to 64 letters, digits, hyphens and underscores'),
        // Only the envelope here: what the params hold is checked request by request.
        params: z.record(z.string(), z.unknown()),
      }),
    )
    .min(1),
  webhook: z.object({ url: z.string().url() }).nullish(),
});

const batchId = z.string().regex(messageBatchIdPattern, 'not a Message Batch id');
const listQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).default(20),
    after_id: batchId.optional(),
    before_id: batchId.optional(),
  })
  .refine((q) => !(q.after_id && q.before_id), {
    message: 'give after_id or before_id, not both',
    path: ['before_id'],
  });

const refuse = (c: Context, status: 400 | 413 | 429, type: string, message: string) =>
  c.json(anthropicErrorBody(type, message), status);

/** `/v1/messages/batches` where this app is mounted: `results_url` is built on it. */
const collectionPath = '/v1/messages/batches';

/**
 * Anthropic's Message Batches, mounted at `/anthropic/v1/messages/batches` behind the
 * surface's key check: create, retrieve, list, cancel, results (JSONL) and delete, in
 * Anthropic's shapes and errors. The batches run on the native engine through
 * `AnthropicBatches` (packages/openai-batches): the cold lane, as OpenAI's do.
 *
 * @example
 * anthropicRoutes({ ...gateway, guards, batchRoutes: anthropicBatchRoutes({ batches, maxBodyBytes, maxUnfinished, checkWebhookUrl }) });
 */
export function anthropicBatchRoutes(options: AnthropicBatchRoutesOptions) {
  const { batches } = options;
  const app = new Hono<{ Variables: TenantVariables }>();
  const view = (c: Context, native: StoredBatch) => {
    const { path } = c.req;
    const base = `${new URL(c.req.url).origin}${path.slice(0, path.indexOf(collectionPath) + collectionPath.length)}`;
    return toAnthropicBatch(native, (id) => `${base}/${id}/results`);
  };
  const notFound = (c: Context, id: string) =>
    anthropicNotFound(c, `No Message Batch with id '${id}'.`);
  const known = (id: string) => messageBatchIdPattern.test(id);

  if (options.submissionGuard) app.post('/', options.submissionGuard);
  app.post(
    '/',
    streamedBodyLimit({
      maxBytes: options.maxBodyBytes,
      onTooLarge: (c) =>
        refuse(
          c,
          413,
          'request_too_large',
          `The request body is over ${options.maxBodyBytes} bytes.`,
        ),
    }),
    async (c) => {
      let value: unknown;
      try {
        value = JSON.parse(await c.req.text());
      } catch {
        // A body past the size limit fails here too; the limit middleware then answers 413.
        return refuse(c, 400, 'invalid_request_error', 'The body is not valid JSON.');
      }
      const parsed = createBody.safeParse(value);
      if (!parsed.success) return anthropicInvalidBody(c, parsed.error.issues);
      const body = parsed.data;
      const tenant = c.get('tenant');
      if (body.webhook) {
        const check = await options.checkWebhookUrl(body.webhook.url);
        if (!check.ok)
          return refuse(c, 400, 'invalid_request_error', `webhook.url: ${check.detail}`);
      }
      try {
        const quota = await options.storageQuota?.(tenant);
        const native = await batches.create(tenant, {
          requests: body.requests,
          webhookUrl: body.webhook?.url ?? null,
          maxUnfinished: await options.maxUnfinished(tenant),
          // The body limit bounds the file (the lines add ~45 bytes each to the requests).
          ...(quota ? { storage: { quota } } : {}),
        });
        return c.json(view(c, native));
      } catch (error) {
        const { name, message } = error as Error;
        if (error instanceof InvalidMessageBatchError)
          return refuse(c, 400, 'invalid_request_error', message);
        if (name === 'StorageQuotaError' || name === 'FileTooLargeError')
          return refuse(c, 413, 'request_too_large', message.replace('This upload', 'This batch'));
        if (error instanceof UnfinishedQuotaError)
          return refuse(
            c,
            429,
            'rate_limit_error',
            `${error.unfinished} requests and documents are unfinished; ${error.limit.adding} more would pass the quota of ${error.limit.max}. Submit again as earlier batches finish.`,
          );
        throw error;
      }
    },
  );

  app.get('/', async (c) => {
    const query = listQuery.safeParse(c.req.query());
    if (!query.success) return anthropicInvalidBody(c, query.error.issues);
    const { limit, after_id: afterId, before_id: beforeId } = query.data;
    const page = await batches.list(c.get('tenant'), {
      limit,
      ...(afterId ? { afterId } : {}),
      ...(beforeId ? { beforeId } : {}),
    });
    const data = page.data.map((native) => view(c, native));
    return c.json({
      data,
      has_more: page.hasMore,
      first_id: data[0]?.id ?? null,
      last_id: data.at(-1)?.id ?? null,
    });
  });

  app.get('/:id', async (c) => {
    const id = c.req.param('id');
    const native = known(id) && (await batches.get(c.get('tenant'), id));
    return native ? c.json(view(c, native)) : notFound(c, id);
  });

  app.post('/:id/cancel', async (c) => {
    const id = c.req.param('id');
    const native = known(id) && (await batches.cancel(c.get('tenant'), id));
    return native ? c.json(view(c, native)) : notFound(c, id);
  });

  app.get('/:id/results', async (c) => {
    const id = c.req.param('id');
    const found = known(id) && (await batches.results(c.get('tenant'), id));
    if (!found) return notFound(c, id);
    if (found.state === 'open')
      return refuse(
        c,
        400,
        'invalid_request_error',
        `Message Batch '${id}' is still processing; its results are ready once processing_status is 'ended'.`,
      );
    const { chunks } = found;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      async cancel() {
        await chunks.return(undefined);
      },
    });
    return new Response(body, { headers: { 'content-type': 'application/x-jsonl' } });
  });

  app.delete('/:id', async (c) => {
    const id = c.req.param('id');
    const deleted = known(id) && (await batches.delete(c.get('tenant'), id));
    if (!deleted) return notFound(c, id);
    if (deleted === 'open')
      return refuse(
        c,
        400,
        'invalid_request_error',
        `Message Batch '${id}' is still processing; cancel it, and delete it once it has ended.`,
      );
    return c.json({ id, type: 'message_batch_deleted' });
  });

  return app;
}
