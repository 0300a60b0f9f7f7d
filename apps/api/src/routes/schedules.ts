import { createRoute } from '@hono/zod-openapi';
import { idSchemas } from '@nightshift/core';
import type { OpenAiFileStore } from '@nightshift/openai-batches';
import {
  createScheduleBody,
  nextFireTimes,
  resolveInboxFolder,
  type Schedule,
  ScheduleLimitError,
  type ScheduleSource,
  ScheduleStore,
  scheduleRun,
  updateScheduleBody,
} from '@nightshift/schedules';
import type { MiddlewareHandler } from 'hono';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { idParam } from '../middleware/id-param.ts';
import { streamedBodyLimit } from '../middleware/streamed-body-limit.ts';
import type { TenantVariables } from '../middleware/tenant-auth.ts';
import { apiRouter, serveRoute, validQuery } from '../openapi/api-router.ts';
import {
  bearerSecurity,
  bodyTooLarge,
  idParams,
  invalid,
  jsonBody,
  jsonResponse,
  malformedJson,
  notFoundFor,
  type ProblemInfo,
  problemResponses,
  unauthorized,
} from '../openapi/responses.ts';
import { ProblemError, problem, validationProblem } from '../problem.ts';
import { scheduleAnswer, scheduleExample, scheduleRunExample } from './schedule-answers.ts';
import {
  checkInlineSource,
  checkInterval,
  fieldProblem,
  type InlineSourceLimits,
  readScheduleJson,
} from './schedules-intake.ts';

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
  /**
   * Stored OpenAI batch files, for `openai_file` sources: the file must be the tenant's, with
   * purpose `batch`; a schedule keeps it from expiring, and a file no schedule names any more
   * expires again. Without it such sources are refused.
   */
  openAiFiles?: Pick<OpenAiFileStore, 'getForTenant' | 'keep' | 'release'>;
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

const scheduleId = idParams(idSchemas.schedule, 'A schedule id, `sched_…`.', scheduleExample.id);
const notFoundInfo = notFoundFor('schedule', scheduleExample.id);
const invalidSchedule = invalid(
  'A field is invalid (cron, zone, source…), or a limit is reached.',
  'cron: not a valid cron expression',
);
const notJson: Record<number, ProblemInfo> = {
  415: {
    description: 'The body is not declared `application/json`.',
    slug: 'unsupported-media-type',
    detail: 'Send the schedule as application/json.',
  },
};
const answer = (description: string) =>
  jsonResponse(description, scheduleAnswer, { schedule: { value: scheduleExample } });

const createSchedule = createRoute({
  method: 'post',
  path: '/',
  tags: ['schedules'],
  security: bearerSecurity,
  summary: 'Create a cron schedule that submits a night batch at each fire',
  request: {
    body: jsonBody(createScheduleBody, {
      nightly: {
        value: {
          name: 'Nightly contracts',
          cron: '0 23 * * *',
          timezone: 'Europe/Berlin',
          source: { kind: 'inline', documents: [{ id: 'policy', text: 'The travel policy…' }] },
          batch: { summary: { maxWords: 80 } },
        },
      },
    }),
  },
  responses: {
    201: {
      ...answer('The schedule, with its next fire times; `Location` names it.'),
      headers: { Location: { description: '`/v1/schedules/{id}`', schema: { type: 'string' } } },
    },
    ...problemResponses({
      ...unauthorized,
      ...malformedJson,
      ...bodyTooLarge,
      ...notJson,
      ...invalidSchedule,
    }),
  },
});

const listSchedules = createRoute({
  method: 'get',
  path: '/',
  tags: ['schedules'],
  security: bearerSecurity,
  summary: 'List schedules',
  request: { query: listQuery },
  responses: {
    200: jsonResponse(
      'A page of schedules.',
      z.object({
        object: z.literal('list'),
        data: z.array(scheduleAnswer),
        hasMore: z.boolean(),
        lastId: z.string().nullable().describe('Pass as `after` to get the next page.'),
      }),
      {
        page: {
          value: {
            object: 'list',
            data: [scheduleExample],
            hasMore: false,
            lastId: scheduleExample.id,
          },
        },
      },
    ),
    ...problemResponses({
      ...unauthorized,
      ...invalid('Bad `limit` or `after`.', 'limit: Too big: expected number to be <=100'),
    }),
  },
});

const getSchedule = createRoute({
  method: 'get',
  path: '/{id}',
  tags: ['schedules'],
  security: bearerSecurity,
  summary: 'Get a schedule',
  request: { params: scheduleId },
  responses: {
    200: answer('The schedule.'),
    ...problemResponses({ ...unauthorized, ...notFoundInfo }),
  },
});

const updateSchedule = createRoute({
  method: 'patch',
  path: '/{id}',
  tags: ['schedules'],
  security: bearerSecurity,
  summary: 'Change a schedule',
  request: {
    params: scheduleId,
    body: jsonBody(updateScheduleBody, { pause: { value: { enabled: false } } }),
  },
  responses: {
    200: answer('The changed schedule.'),
    ...problemResponses({
      ...unauthorized,
      ...malformedJson,
      ...notFoundInfo,
      ...bodyTooLarge,
      ...notJson,
      ...invalidSchedule,
    }),
  },
});

const deleteSchedule = createRoute({
  method: 'delete',
  path: '/{id}',
  tags: ['schedules'],
  security: bearerSecurity,
  summary: 'Delete a schedule',
  request: { params: scheduleId },
  responses: {
    204: { description: 'Deleted.' },
    ...problemResponses({ ...unauthorized, ...notFoundInfo }),
  },
});

const scheduleRuns = createRoute({
  method: 'get',
  path: '/{id}/runs',
  tags: ['schedules'],
  security: bearerSecurity,
  summary: 'Fires of a schedule and the batches they made',
  request: { params: scheduleId, query: runsQuery },
  responses: {
    200: jsonResponse(
      'Recent runs, newest first.',
      z.object({
        object: z.literal('list'),
        data: z.array(scheduleRun.meta({ id: 'ScheduleRun' })),
      }),
      {
        runs: { value: { object: 'list', data: [scheduleRunExample] } },
      },
    ),
    ...problemResponses({
      ...unauthorized,
      ...notFoundInfo,
      ...invalid('Bad `limit`.', 'limit: Too big: expected number to be <=500'),
    }),
  },
});

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
    if (body.source?.kind === 'openai_file') {
      const { fileId } = body.source;
      const file = await options.openAiFiles?.getForTenant(tenant, fileId);
      if (file?.file.purpose !== 'batch')
        throw fieldProblem('source.fileId', `no batch file '${fileId}'`, 'validation-error');
    }
    const url = body.batch?.webhook?.url;
    if (url) {
      const check = await options.checkWebhookUrl(url);
      if (!check.ok) throw fieldProblem('batch.webhook.url', check.detail, 'webhook-url-refused');
    }
  };
  // A file is kept while any schedule names it (the schedule id holds it) and expires again
  // once none does: moved to another file or source, or deleted.
  const fileOf = (source: ScheduleSource | undefined) =>
    source?.kind === 'openai_file' ? source.fileId : null;
  const moveFileHold = async (id: string, from: string | null, to: string | null) => {
    if (from === to) return;
    if (to) await options.openAiFiles?.keep(to, id);
    if (from) await options.openAiFiles?.release(from, id);
  };
  // The body is counted as it is read: an oversized one is refused before it is all in memory.
  const bodyLimit = streamedBodyLimit({
    maxBytes: options.maxBodyBytes,
    onTooLarge: (c) =>
      problem(c, 413, 'body-too-large', `The request body is over ${options.maxBodyBytes} bytes.`),
  });
  const app = apiRouter<{ Variables: TenantVariables }>();
  const validId = idParam({ name: 'id', kind: 'schedule', notFound });

  serveRoute(app, { ...createSchedule, middleware: [bodyLimit] }, async (c) => {
    const tenant = c.get('tenant');
    const parsed = createScheduleBody.safeParse(await readScheduleJson(c.req.raw));
    if (!parsed.success) throw validationProblem(parsed.error);
    const body = parsed.data;
    const zone = body.timezone ?? options.defaultTimezone;
    checkInterval(body.cron, zone, options.minIntervalS, now());
    await checkRefs(tenant, body);
    let schedule: Schedule;
    try {
      schedule = await store.create(tenant, body, now());
      await moveFileHold(schedule.id, null, fileOf(schedule.source));
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

  serveRoute(app, listSchedules, async (c) => {
    const page = await store.list(c.get('tenant'), validQuery<z.output<typeof listQuery>>(c));
    return c.json({
      object: 'list',
      data: page.data.map(show),
      hasMore: page.hasMore,
      lastId: page.data.at(-1)?.id ?? null,
    });
  });

  serveRoute(app, { ...getSchedule, middleware: [validId] }, async (c) => {
    const schedule = await store.getForTenant(c.get('tenant'), c.req.param('id'));
    return schedule ? c.json(show(schedule)) : notFound(c, c.req.param('id'));
  });

  serveRoute(app, { ...updateSchedule, middleware: [validId, bodyLimit] }, async (c) => {
    const tenant = c.get('tenant');
    const parsed = updateScheduleBody.safeParse(await readScheduleJson(c.req.raw));
    if (!parsed.success) throw validationProblem(parsed.error);
    const patch = parsed.data;
    if (patch.cron !== undefined || patch.timezone !== undefined) {
      const current = await store.getForTenant(tenant, c.req.param('id'));
      if (!current) return notFound(c, c.req.param('id'));
      const cron = patch.cron ?? current.cron;
      checkInterval(cron, patch.timezone ?? current.timezone, options.minIntervalS, now());
    }
    await checkRefs(tenant, patch);
    const before = patch.source && (await store.getForTenant(tenant, c.req.param('id')));
    const schedule = await store.update(tenant, c.req.param('id'), patch, now());
    if (schedule && before)
      await moveFileHold(schedule.id, fileOf(before.source), fileOf(schedule.source));
    return schedule ? c.json(show(schedule)) : notFound(c, c.req.param('id'));
  });

  serveRoute(app, { ...deleteSchedule, middleware: [validId] }, async (c) => {
    const id = c.req.param('id');
    const schedule = await store.getForTenant(c.get('tenant'), id);
    const deleted = schedule && (await store.delete(c.get('tenant'), id));
    if (deleted) await moveFileHold(id, fileOf(schedule.source), null);
    return deleted ? c.body(null, 204) : notFound(c, id);
  });

  // Whose schedule it is is settled before the query is validated: another tenant's schedule
  // answers 404 whatever the query says.
  const ownSchedule: MiddlewareHandler<{ Variables: TenantVariables }> = async (c, next) => {
    const id = c.req.param('id') ?? '';
    if (!(await store.getForTenant(c.get('tenant'), id))) return notFound(c, id);
    await next();
  };
  serveRoute(app, { ...scheduleRuns, middleware: [validId, ownSchedule] }, async (c) => {
    const { limit } = validQuery<z.output<typeof runsQuery>>(c);
    return c.json({ object: 'list', data: await store.runs(c.req.param('id'), limit) });
  });

  return app;
}

function notFound(c: Parameters<typeof problem>[0], id: string) {
  return problem(c, 404, 'schedule-not-found', `No schedule '${id}' for this API key.`);
}
