import { UnfinishedQuotaError } from '@nightshift/batches';
import { durationMs, idPatterns, openAiFileIdPattern } from '@nightshift/core';
import {
  batchEndpoints,
  InputFileError,
  type OpenAiBatches,
  type OpenAiFileStore,
  type StorageQuota,
} from '@nightshift/openai-batches';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { streamedBodyLimit } from '../middleware/streamed-body-limit.ts';
import type { TenantVariables } from '../middleware/tenant-auth.ts';
import { openAiErrorBody, openAiInvalidBody } from './openai-dialect.ts';
import { type OpenAiUploadLimits, UploadRefusal, uploadOpenAiFile } from './openai-file-upload.ts';
import { readJsonBody } from './read-body.ts';

/** Options of {@link openAiBatchRoutes}. */
export interface OpenAiBatchRoutesOptions {
  files: OpenAiFileStore;
  batches: OpenAiBatches;
  limits: OpenAiUploadLimits;
  /** The tenant's quota of unfinished documents and requests (`NIGHTSHIFT_MAX_QUEUED_PER_TENANT` or its override). */
  maxUnfinished: (tenant: string) => Promise<number>;
  /** Refuses webhook addresses in private ranges (unless allowed), as native batches do. */
  checkWebhookUrl: (url: string) => Promise<{ ok: true } | { ok: false; detail: string }>;
  /** The tenant's file storage quota (`NIGHTSHIFT_OPENAI_STORAGE_MAX_*` or its override); none: unlimited. */
  storageQuota?: (tenant: string) => Promise<StorageQuota>;
  /**
   * What an upload or a batch create passes first: the tenant's batch submission rate limit,
   * the bucket `POST /v1/batches` spends too, refusing in OpenAI's shape.
   */
  submissionGuard?: MiddlewareHandler<{ Variables: TenantVariables }>;
}

/** A duration as the native batches read it (`durationMs`), or NaN when it is not one. */
const windowMs = (value: string) => {
  try {
    return durationMs(value);
  } catch {
    return Number.NaN;
  }
};

/** `POST /batches`: OpenAI's fields, plus the `webhook` extension. */
const createBatchBody = z.object({
  input_file_id: z.string().regex(openAiFileIdPattern, 'not a file id'),
  endpoint: z.enum(batchEndpoints),
  completion_window: z
    .string()
    .max(16)
    .refine((w) => windowMs(w) >= 86_400_000 && windowMs(w) <= 30 * 86_400_000, {
      message: 'a duration of 24h, or longer up to 30d',
    }),
  metadata: z
    .record(z.string().max(64), z.string().max(512))
    .refine((m) => Object.keys(m).length <= 16, { message: 'at most 16 keys' })
    .nullish(),
  webhook: z.object({ url: z.string().url() }).nullish(),
});

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  after: z.string().max(64).optional(),
  order: z.enum(['asc', 'desc']).optional(),
  purpose: z.string().max(32).optional(),
});

const notFound = (c: Context, what: string, id: string) =>
  c.json(openAiErrorBody(`No such ${what}: '${id}'.`, 'invalid_request_error', 'id', null), 404);

/**
 * OpenAI's Files and Batches under `/openai/v1`: what the official clients call, in OpenAI's
 * shapes and errors. Files stream in and out of `OpenAiFileStore`; batches run on the native
 * engine through `OpenAiBatches` (packages/openai-batches).
 *
 * @example
 * app.route('/', openAiBatchRoutes({ files, batches, limits, checkWebhookUrl }));
 */
export function openAiBatchRoutes(options: OpenAiBatchRoutesOptions) {
  const { files, batches } = options;
  const app = new Hono<{ Variables: TenantVariables }>();
  if (options.submissionGuard) {
    app.post('/files', options.submissionGuard);
    app.post('/batches', options.submissionGuard);
  }

  app.post('/files', async (c) => {
    const tenant = c.get('tenant');
    try {
      const quota = await options.storageQuota?.(tenant);
      const limits = quota ? { ...options.limits, quota } : options.limits;
      const stored = await uploadOpenAiFile(c.req.raw, tenant, files, limits);
      return c.json(stored.file);
    } catch (error) {
      if (!(error instanceof UploadRefusal)) throw error;
      const headers: Record<string, string> = error.status === 413 ? { connection: 'close' } : {};
      return c.json(
        openAiErrorBody(error.message, 'invalid_request_error', error.param, error.code),
        error.status,
        headers,
      );
    }
  });

  app.get('/files', async (c) => {
    const query = listQuery.safeParse(c.req.query());
    if (!query.success) return openAiInvalidBody(c, query.error.issues);
    const { limit, after, order, purpose } = query.data;
    const page = await files.list(c.get('tenant'), {
      limit,
      ...(after ? { after } : {}),
      ...(order ? { order } : {}),
      ...(purpose ? { purpose } : {}),
    });
    return c.json(listBody(page));
  });

  app.get('/files/:id', async (c) => {
    const id = c.req.param('id');
    const stored = openAiFileIdPattern.test(id) && (await files.getForTenant(c.get('tenant'), id));
    return stored ? c.json(stored.file) : notFound(c, 'file', id);
  });

  app.delete('/files/:id', async (c) => {
    const id = c.req.param('id');
    const deleted = openAiFileIdPattern.test(id) && (await files.delete(c.get('tenant'), id));
    return deleted ? c.json({ id, object: 'file', deleted: true }) : notFound(c, 'file', id);
  });

  app.get('/files/:id/content', async (c) => {
    const id = c.req.param('id');
    const stored = openAiFileIdPattern.test(id) && (await files.getForTenant(c.get('tenant'), id));
    if (!stored) return notFound(c, 'file', id);
    const chunks = files.content(id);
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
    return new Response(body, {
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(stored.file.bytes),
      },
    });
  });

  app.post(
    '/batches',
    streamedBodyLimit({
      maxBytes: 64 * 1024,
      onTooLarge: (c) =>
        c.json(
          openAiErrorBody(
            'The request body is over 65536 bytes.',
            'invalid_request_error',
            null,
            null,
          ),
          413,
        ),
    }),
    async (c) => {
      const read = await readJsonBody(c, createBatchBody, openAiInvalidBody);
      if (!read.ok) return read.response;
      const body = read.data;
      if (body.webhook) {
        const check = await options.checkWebhookUrl(body.webhook.url);
        if (!check.ok)
          return c.json(
            openAiErrorBody(check.detail, 'invalid_request_error', 'webhook.url', null),
            400,
          );
      }
      try {
        const batch = await batches.create(c.get('tenant'), {
          inputFileId: body.input_file_id,
          endpoint: body.endpoint,
          completionWindow: body.completion_window,
          metadata: body.metadata ?? null,
          webhookUrl: body.webhook?.url ?? null,
          maxUnfinished: await options.maxUnfinished(c.get('tenant')),
        });
        return c.json(batch);
      } catch (error) {
        if (error instanceof UnfinishedQuotaError)
          return c.json(
            openAiErrorBody(
              `${error.unfinished} requests and documents are unfinished; ${error.limit.adding} more would pass the quota of ${error.limit.max}. Submit again as earlier batches finish.`,
              'rate_limit_error',
              null,
              'queued_quota_exceeded',
            ),
            429,
          );
        if (!(error instanceof InputFileError)) throw error;
        return c.json(
          openAiErrorBody(error.message, 'invalid_request_error', 'input_file_id', error.code),
          error.code === 'file_not_found' ? 404 : 400,
        );
      }
    },
  );

  app.get('/batches', async (c) => {
    const query = listQuery.safeParse(c.req.query());
    if (!query.success) return openAiInvalidBody(c, query.error.issues);
    const { limit, after } = query.data;
    if (after && !idPatterns.batch.test(after))
      return c.json(
        openAiErrorBody('after: not a batch id', 'invalid_request_error', 'after', null),
        400,
      );
    const page = await batches.list(c.get('tenant'), { limit, after });
    return c.json(listBody(page));
  });

  app.get('/batches/:id', async (c) => {
    const id = c.req.param('id');
    const batch = idPatterns.batch.test(id) && (await batches.get(c.get('tenant'), id));
    return batch ? c.json(batch) : notFound(c, 'batch', id);
  });

  app.post('/batches/:id/cancel', async (c) => {
    const id = c.req.param('id');
    const batch = idPatterns.batch.test(id) && (await batches.cancel(c.get('tenant'), id));
    return batch ? c.json(batch) : notFound(c, 'batch', id);
  });

  return app;
}

/** OpenAI's list envelope. */
function listBody<T extends { id: string }>(page: { data: T[]; hasMore: boolean }) {
  return {
    object: 'list' as const,
    data: page.data,
    first_id: page.data[0]?.id ?? null,
    last_id: page.data.at(-1)?.id ?? null,
    has_more: page.hasMore,
  };
}
