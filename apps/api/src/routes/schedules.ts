import {
  createScheduleBody,
  nextFireTimes,
  resolveInboxFolder,
  type Schedule,
  type ScheduleSource,
  ScheduleStore,
  updateScheduleBody,
} from '@nightshift/schedules';
import { Hono } from 'hono';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { idParam } from '../middleware/id-param.ts';
import type { TenantVariables } from '../middleware/tenant-auth.ts';
import { ProblemError, problem, validationProblem } from '../problem.ts';

/** Options of {@link schedulesRoutes}. */
export interface SchedulesRoutesOptions {
  /** Client connection (commands only). */
  redis: Redis;
  /** Zone of schedules created without one (`NIGHTSHIFT_TZ`). */
  defaultTimezone: string;
  /** `NIGHTSHIFT_INBOX_DIRS`: the folders directory sources may name. */
  inboxDirs: string[];
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
 *
 * @example
 * app.route('/v1/schedules', schedulesRoutes({ redis, defaultTimezone: 'UTC', inboxDirs, checkWebhookUrl }));
 */
export function schedulesRoutes(options: SchedulesRoutesOptions) {
  const store = new ScheduleStore({
    redis: options.redis,
    defaultTimezone: options.defaultTimezone,
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
  const checkRefs = async (body: {
    source?: ScheduleSource | undefined;
    batch?: { webhook?: { url: string } | undefined } | undefined;
  }) => {
    if (body.source?.kind === 'directory') {
      const folder = await resolveInboxFolder(body.source.path, options.inboxDirs);
      if (!folder.ok) throw fieldProblem('source.path', folder.message, 'source-path-refused');
    }
    const url = body.batch?.webhook?.url;
    if (url) {
      const check = await options.checkWebhookUrl(url);
      if (!check.ok) throw fieldProblem('batch.webhook.url', check.detail, 'webhook-url-refused');
    }
  };
  const app = new Hono<{ Variables: TenantVariables }>();

  app.post('/', async (c) => {
    const parsed = createScheduleBody.safeParse(await readJson(c.req.raw));
    if (!parsed.success) throw validationProblem(parsed.error);
    await checkRefs(parsed.data);
    const schedule = await store.create(c.get('tenant'), parsed.data, now());
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

  app.patch('/:id', validId, async (c) => {
    const parsed = updateScheduleBody.safeParse(await readJson(c.req.raw));
    if (!parsed.success) throw validationProblem(parsed.error);
    await checkRefs(parsed.data);
    const schedule = await store.update(c.get('tenant'), c.req.param('id'), parsed.data, now());
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
