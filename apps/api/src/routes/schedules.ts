import {
  createScheduleBody,
  nextFireTimes,
  resolveInboxFolder,
  type Schedule,
  ScheduleLimitError,
  type ScheduleSource,
  ScheduleStore,
  updateScheduleBody,
} from '@nightshift/schedules';
import { Hono } from 'hono';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { idParam } from '../middleware/id-param.ts';
import { streamedBodyLimit } from '../middleware/streamed-body-limit.ts';
import type { TenantVariables } from '../middleware/tenant-auth.ts';
import { ProblemError, problem, validationProblem } from '../problem.ts';
import { checkInlineSource, checkInterval, type InlineSourceLimits } from './schedules-intake.ts';

/** Options of {@link schedulesRoutes}. */
export interface SchedulesRoutesOptions {
  /** Client connection (commands only). */
  redis: Redis;
  /** Zone of schedules created without one (`NIGHTSHIFT_TZ`). */
  defaultTimezone: string;
  /** `NIGHTSHIFT_INBOX_DIRS`: a tenant's directory sources lie inside `<inbox>/<tenant>/`. */
  inboxDirs: string[];
  /** `NIGHTSHIFT_MAX_BODY_BYTES`: larger bodies are refused while streaming (413). */
  maxBodyBytes: number;
  /** The document, count and batch-byte limits of `POST /v1/batches`, for inline sources. */
  inline: InlineSourceLimits;
  /** `NIGHTSHIFT_MAX_SCHEDULES_PER_TENANT` (422 beyond). */
  maxSchedulesPerTenant: number;
  /** `NIGHTSHIFT_SCHEDULE_MIN_INTERVAL_S`: shortest time between two fires (422 naming `cron`). */
  minIntervalS: number;
  /** Submission-time SSRF check of `batch.webhook.url`. */
  checkWebhookUrl: (url: string) => Promise<{ ok: true } | { ok: false; detail: string }>;
  /** How many upcoming fire times responses show. Default 5. */
  previewCount?: number;
  /** Clock of the fire-time preview. Default `() => new Date()`. */
  now?: () => Date;
}

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  after: z.string().startsWith('sched_').optional(),
});
const runsQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });

/**
 * `/v1/schedules`: night batches from cron schedules. Create, list, get, change (PATCH), delete,
 * and the run log of each. Bad cron or zone answers 422 naming the field; every schedule is
 * shown with its next fire times. A tenant only ever sees its own schedules (others: 404).
 * Bodies, inline documents and schedules per tenant have the limits of `POST /v1/batches`
 * (413/422 alike); a cron firing more often than `minIntervalS` is a 422 naming `cron`; a
 * directory source must lie in the tenant's own inbox folder `<inbox>/<tenant>/`.
 *
 * @example
 * app.route('/v1/schedules', schedulesRoutes({ redis, defaultTimezone: 'UTC', inboxDirs, checkWebhookUrl, ... }));
 */
export function schedulesRoutes(options: SchedulesRoutesOptions) {
  const store = new ScheduleStore({
    redis: options.redis,
    defaultTimezone: options.defaultTimezone,
    maxSchedulesPerTenant: options.maxSchedulesPerTenant,
  });
  const now = options.now ?? (() => new Date());
  const show = (schedule: Schedule) => ({
    ...schedule,
    nextFireTimes: schedule.enabled
      ? nextFireTimes(schedule.cron, schedule.timezone, {
          from: now(),
          count: options.previewCount ?? 5,
        }).map((d) => d.toISOString())
      : [],
  });
  const checkRefs = async (
    tenant: string,
    body: {
      source?: ScheduleSource | undefined;
      batch?: { webhook?: { url: string } | undefined } | undefined;
    },
  ) => {
    await checkInlineSource(tenant, body.source, options.inline);
    if (body.source?.kind === 'directory') {
      const folder = await resolveInboxFolder(body.source.path, options.inboxDirs, tenant);
      if (!folder.ok) throw fieldProblem('source.path', folder.message, 'source-path-refused');
    }
    const url = body.batch?.webhook?.url;
    if (url) {
      const check = await options.checkWebhookUrl(url);
      if (!check.ok) throw fieldProblem('batch.webhook.url', check.detail, 'webhook-url-refused');
    }
  };
  // The body is counted as it is read: an oversized one is refused before it is all in memory.
  const bodyLimit = streamedBodyLimit({
    maxBytes: options.maxBodyBytes,
    onTooLarge: (c) =>
      problem(c, 413, 'body-too-large', `The request body is over ${options.maxBodyBytes} bytes.`),
  });
  const app = new Hono<{ Variables: TenantVariables }>();

  app.post('/', bodyLimit, async (c) => {
    const tenant = c.get('tenant');
    const parsed = createScheduleBody.safeParse(await readJson(c.req.raw));
    if (!parsed.success) throw validationProblem(parsed.error);
    const body = parsed.data;
    const zone = body.timezone ?? options.defaultTimezone;
    checkInterval(body.cron, zone, options.minIntervalS, now());
    await checkRefs(tenant, body);
    let schedule: Schedule;
    try {
      schedule = await store.create(tenant, body, now());
    } catch (error) {
      if (!(error instanceof ScheduleLimitError)) throw error;
      throw new ProblemError(
        422,
        'schedule-limit-reached',
        `This tenant already has ${error.limit} schedules, its most. Delete one first.`,
        { limit: error.limit },
      );
    }
    c.header('location', `/v1/schedules/${schedule.id}`);
    return c.json(show(schedule), 201);
  });

  app.get('/', async (c) => {
    const query = listQuery.safeParse(c.req.query());
    if (!query.success) throw validationProblem(query.error);
    const page = await store.list(c.get('tenant'), query.data);
    return c.json({
      object: 'list',
      data: page.data.map(show),
      hasMore: page.hasMore,
      lastId: page.data.at(-1)?.id ?? null,
    });
  });

  const validId = idParam({ name: 'id', kind: 'schedule', notFound });
  app.get('/:id', validId, async (c) => {
    const schedule = await store.getForTenant(c.get('tenant'), c.req.param('id'));
    return schedule ? c.json(show(schedule)) : notFound(c, c.req.param('id'));
  });

  app.patch('/:id', validId, bodyLimit, async (c) => {
    const tenant = c.get('tenant');
    const parsed = updateScheduleBody.safeParse(await readJson(c.req.raw));
    if (!parsed.success) throw validationProblem(parsed.error);
    const patch = parsed.data;
    if (patch.cron !== undefined || patch.timezone !== undefined) {
      const current = await store.getForTenant(tenant, c.req.param('id'));
      if (!current) return notFound(c, c.req.param('id'));
      const cron = patch.cron ?? current.cron;
      checkInterval(cron, patch.timezone ?? current.timezone, options.minIntervalS, now());
    }
    await checkRefs(tenant, patch);
    const schedule = await store.update(tenant, c.req.param('id'), patch, now());
    return schedule ? c.json(show(schedule)) : notFound(c, c.req.param('id'));
  });

  app.delete('/:id', validId, async (c) => {
    const deleted = await store.delete(c.get('tenant'), c.req.param('id'));
    return deleted ? c.body(null, 204) : notFound(c, c.req.param('id'));
  });

  app.get('/:id/runs', validId, async (c) => {
    const id = c.req.param('id');
    if (!(await store.getForTenant(c.get('tenant'), id))) return notFound(c, id);
    const query = runsQuery.safeParse(c.req.query());
    if (!query.success) throw validationProblem(query.error);
    return c.json({ object: 'list', data: await store.runs(id, query.data.limit) });
  });

  return app;
}

async function readJson(request: Request): Promise<unknown> {
  if (!(request.headers.get('content-type') ?? '').startsWith('application/json')) {
    throw new ProblemError(415, 'unsupported-media-type', 'Send the schedule as application/json.');
  }
  try {
    return await request.json();
  } catch {
    throw new ProblemError(400, 'malformed-json', 'The body is not valid JSON.');
  }
}

function fieldProblem(field: string, message: string, slug: string): ProblemError {
  return new ProblemError(422, slug, `${field}: ${message}`, { errors: [{ field, message }] });
}

function notFound(c: Parameters<typeof problem>[0], id: string) {
  return problem(c, 404, 'schedule-not-found', `No schedule '${id}' for this API key.`);
}
