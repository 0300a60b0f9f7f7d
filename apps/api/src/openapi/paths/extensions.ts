import { createScheduleBody, updateScheduleBody } from '@nightshift/schedules';
import { z } from 'zod';
import { type Components, problemResponses, unauthorized } from '../components.ts';
import type { SpecBuilder } from '../spec-builder.ts';

/*
 * Routes added beside the v1 core: schedules, the webhook delivery log and the signing secret.
 * Request bodies use the route's own zod schemas where a package exports them; the answers are
 * described by their `object` discriminator (their shapes live in TypeScript interfaces of
 * @nightshift/schedules and @nightshift/batches). Tighten a response here when its package
 * gains a zod schema for it.
 */

const anObject = (kind: string) =>
  z
    .object({ object: z.literal(kind) })
    .catchall(z.unknown())
    .describe(`A \`${kind}\` object.`);
const aList = (kind: string) =>
  z.object({ object: z.literal('list'), data: z.array(anObject(kind)) }).catchall(z.unknown());
const id = (what: string) => z.object({ id: z.string().describe(what) });
const security = [{ bearer: [] }];

function json(schema: z.ZodType, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

/** Registers schedules, deliveries and webhook-secret routes. */
export function registerExtensionPaths(spec: SpecBuilder, c: Components): void {
  const { registry } = spec;
  const problems = (
    where: string,
    extra: Record<number, { description: string; slug: string; detail: string }> = {},
  ) => problemResponses(spec, c, where, { ...unauthorized, ...extra });
  const scheduleNotFound = {
    404: {
      description: 'No such schedule for this key.',
      slug: 'schedule-not-found',
      detail: "No schedule 'sched_1' for this API key.",
    },
  };
  const invalid = {
    422: {
      description: 'A field is invalid (cron, zone, source…).',
      slug: 'validation-error',
      detail: 'cron: not a valid cron expression',
    },
  };
  const schedule = anObject('schedule');
  const scheduleId = id('A schedule id, `sched_…`.');

  registry.registerPath({
    method: 'post',
    path: '/v1/schedules',
    tags: ['schedules'],
    security,
    summary: 'Create a cron schedule that submits a night batch at each fire',
    request: {
      body: {
        required: true,
        content: spec.media('POST /v1/schedules', 'request', {
          'application/json': {
            schema: createScheduleBody,
            examples: {
              nightly: {
                value: {
                  name: 'Nightly contracts',
                  cron: '0 23 * * *',
                  timezone: 'Europe/Berlin',
                  source: {
                    kind: 'inline',
                    documents: [{ id: 'policy', text: 'The travel policy…' }],
                  },
                  batch: { summary: { maxWords: 80 } },
                },
              },
            },
          },
        }),
      },
    },
    responses: {
      201: json(schedule, 'The schedule, with its next fire times.'),
      ...problems('POST /v1/schedules', invalid),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/schedules',
    tags: ['schedules'],
    security,
    summary: 'List schedules',
    request: {
      query: z.object({
        limit: z.number().int().min(1).max(100).optional(),
        after: z.string().optional(),
      }),
    },
    responses: {
      200: json(aList('schedule'), 'A page of schedules.'),
      ...problems('GET /v1/schedules'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/schedules/{id}',
    tags: ['schedules'],
    security,
    summary: 'Get a schedule',
    request: { params: scheduleId },
    responses: {
      200: json(schedule, 'The schedule.'),
      ...problems('GET /v1/schedules/{id}', scheduleNotFound),
    },
  });
  registry.registerPath({
    method: 'patch',
    path: '/v1/schedules/{id}',
    tags: ['schedules'],
    security,
    summary: 'Change a schedule',
    request: {
      params: scheduleId,
      body: {
        required: true,
        content: spec.media('PATCH /v1/schedules/{id}', 'request', {
          'application/json': {
            schema: updateScheduleBody,
            examples: { pause: { value: { enabled: false } } },
          },
        }),
      },
    },
    responses: {
      200: json(schedule, 'The changed schedule.'),
      ...problems('PATCH /v1/schedules/{id}', { ...scheduleNotFound, ...invalid }),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/v1/schedules/{id}',
    tags: ['schedules'],
    security,
    summary: 'Delete a schedule',
    request: { params: scheduleId },
    responses: {
      204: { description: 'Deleted.' },
      ...problems('DELETE /v1/schedules/{id}', scheduleNotFound),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/schedules/{id}/runs',
    tags: ['schedules'],
    security,
    summary: 'Fires of a schedule and the batches they made',
    request: {
      params: scheduleId,
      query: z.object({ limit: z.number().int().min(1).max(500).optional() }),
    },
    responses: {
      200: json(aList('schedule_run'), 'Recent runs, newest first.'),
      ...problems('GET /v1/schedules/{id}/runs', scheduleNotFound),
    },
  });

  const deliveryNotFound = {
    404: {
      description: 'No such delivery for this key.',
      slug: 'delivery-not-found',
      detail: "No delivery 'msg_1' for this API key.",
    },
  };
  registry.registerPath({
    method: 'get',
    path: '/v1/batches/{id}/deliveries',
    tags: ['deliveries'],
    security,
    summary: 'Webhook deliveries of a batch, with every attempt',
    request: { params: id('A batch id, `batch_…`.') },
    responses: {
      200: json(aList('delivery'), 'The deliveries.'),
      ...problems('GET /v1/batches/{id}/deliveries', {
        404: {
          description: 'No such batch for this key.',
          slug: 'batch-not-found',
          detail: "No batch 'batch_1' for this API key.",
        },
      }),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/deliveries/replay',
    tags: ['deliveries'],
    security,
    summary: 'Replay this tenant’s failed deliveries since a time',
    request: {
      body: {
        required: true,
        content: spec.media('POST /v1/deliveries/replay', 'request', {
          'application/json': {
            schema: z.object({ since: z.iso.datetime({ offset: true }) }),
            examples: { lastHour: { value: { since: '2025-01-15T21:00:00Z' } } },
          },
        }),
      },
    },
    responses: {
      202: json(anObject('replay'), 'What was queued again.'),
      ...problems('POST /v1/deliveries/replay', invalid),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/deliveries/{id}',
    tags: ['deliveries'],
    security,
    summary: 'One delivery and its attempts',
    request: { params: id('A delivery id (the `webhook-id`), `msg_…`.') },
    responses: {
      200: json(anObject('delivery'), 'The delivery.'),
      ...problems('GET /v1/deliveries/{id}', deliveryNotFound),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/deliveries/{id}/retry',
    tags: ['deliveries'],
    security,
    summary: 'Send a delivery again now',
    request: { params: id('A delivery id, `msg_…`.') },
    responses: {
      202: json(z.object({ id: z.string() }).catchall(z.unknown()), 'Queued again.'),
      ...problems('POST /v1/deliveries/{id}/retry', {
        ...deliveryNotFound,
        409: {
          description: 'The delivery is still pending.',
          slug: 'delivery-pending',
          detail: 'The delivery is still being attempted.',
        },
      }),
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/v1/webhooks/disabled',
    tags: ['webhooks'],
    security,
    summary: 'Webhook URLs a 410 answer switched off for this tenant',
    description:
      'Deliveries to a disabled URL end `gone` without being sent, until the URL is switched back on.',
    responses: {
      200: json(aList('disabled_webhook_url'), 'The disabled URLs, with the 410 that did it.'),
      ...problems('GET /v1/webhooks/disabled'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/v1/webhooks/disabled',
    tags: ['webhooks'],
    security,
    summary: 'Switch a disabled webhook URL back on',
    description:
      'Sends nothing by itself: retry or replay the deliveries that ended `gone` if they are wanted.',
    request: {
      query: z.object({
        url: z.string().min(1).openapi({ example: 'https://hooks.example.com/in' }),
      }),
    },
    responses: {
      204: { description: 'Switched back on.' },
      ...problems('DELETE /v1/webhooks/disabled', {
        404: {
          description: 'That URL is not disabled for this key.',
          slug: 'webhook-url-not-disabled',
          detail:
            "The webhook URL 'https://hooks.example.com/in' is not disabled for this API key.",
        },
        422: {
          description: 'The `url` query parameter is missing.',
          slug: 'validation-error',
          detail: 'url: Invalid input: expected string, received undefined',
        },
      }),
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/v1/webhook-secret',
    tags: ['webhooks'],
    security,
    summary: 'This tenant’s webhook signing secret(s)',
    responses: {
      200: json(anObject('webhook_secret'), 'The current secret and any still-signing old one.'),
      ...problems('GET /v1/webhook-secret'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/webhook-secret/rotate',
    tags: ['webhooks'],
    security,
    summary: 'Rotate the signing secret; the old one keeps signing during the overlap',
    request: {
      body: {
        required: false,
        content: spec.media('POST /v1/webhook-secret/rotate', 'request', {
          'application/json': {
            schema: z.object({ overlap: z.string().optional() }).strict(),
            examples: { day: { value: { overlap: '24h' } } },
          },
        }),
      },
    },
    responses: {
      200: json(
        anObject('webhook_secret'),
        'The new secret and the old one until the overlap ends.',
      ),
      ...problems('POST /v1/webhook-secret/rotate', invalid),
    },
  });
}
