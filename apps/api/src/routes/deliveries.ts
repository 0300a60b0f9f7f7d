import { createRoute } from '@hono/zod-openapi';
import type { BatchStore } from '@nightshift/batches';
import { idSchemas } from '@nightshift/core';
import type { Delivery, DeliveryLog, WebhookOutbox } from '@nightshift/webhooks';
import { z } from 'zod';
import { idParam } from '../middleware/id-param.ts';
import type { TenantVariables } from '../middleware/tenant-auth.ts';
import { apiRouter, serveRoute, validQuery } from '../openapi/api-router.ts';
import {
  batchIdParams,
  batchNotFound as batchNotFoundInfo,
  bearerSecurity,
  idParams,
  invalid,
  jsonBody,
  jsonResponse,
  malformedJson,
  notFoundFor,
  problemResponses,
  unauthorized,
} from '../openapi/responses.ts';
import { ProblemError, problem, validationProblem } from '../problem.ts';
import { deliveryExample, deliverySchema } from './delivery-schemas.ts';

/** Options of {@link deliveryRoutes}. */
export interface DeliveryRoutesOptions {
  /** Batches, to check who owns one. */
  store: BatchStore;
  /** Every delivery and its attempts. */
  deliveries: DeliveryLog;
  /** Where replays are queued (same `webhook-id`, fresh signature). */
  outbox: WebhookOutbox;
}

const disabledUrlQuery = z.object({
  url: z.string().min(1).meta({
    description: 'The URL exactly as the batch’s `webhook.url` gave it.',
    example: 'https://hooks.example.com/in',
  }),
});

const replayBody = z.object({
  since: z.iso
    .datetime({ offset: true })
    .describe('Replay the failed deliveries that ended at or after this time (ISO 8601).'),
});

const deliveryId = idParams(
  idSchemas.delivery,
  'A delivery id (the `webhook-id`), `msg_…`.',
  deliveryExample.id,
);
const deliveryNotFoundInfo = notFoundFor('delivery', deliveryExample.id);
const deliveryList = z.object({ object: z.literal('list'), data: z.array(deliverySchema) });

const batchDeliveries = createRoute({
  method: 'get',
  path: '/batches/{id}/deliveries',
  tags: ['deliveries'],
  security: bearerSecurity,
  summary: 'Webhook deliveries of a batch, with every attempt',
  request: { params: batchIdParams },
  responses: {
    200: jsonResponse('The deliveries.', deliveryList, {
      one: { value: { object: 'list', data: [deliveryExample] } },
    }),
    ...problemResponses({ ...unauthorized, ...batchNotFoundInfo }),
  },
});

const replayDeliveries = createRoute({
  method: 'post',
  path: '/deliveries/replay',
  tags: ['deliveries'],
  security: bearerSecurity,
  summary: 'Replay this tenant’s failed deliveries since a time',
  request: {
    body: jsonBody(replayBody, { lastHour: { value: { since: '2025-01-15T21:00:00Z' } } }),
  },
  responses: {
    202: jsonResponse(
      'What was queued again, and what was skipped (still being attempted).',
      z.object({
        object: z.literal('replay'),
        since: z.string(),
        queued: z.array(z.string()).describe('Delivery ids queued again.'),
        skipped: z.array(z.string()).describe('Delivery ids still being attempted.'),
      }),
      {
        replay: {
          value: {
            object: 'replay',
            since: '2025-01-15T21:00:00.000Z',
            queued: [deliveryExample.id],
            skipped: [],
          },
        },
      },
    ),
    ...problemResponses({
      ...unauthorized,
      ...malformedJson,
      ...invalid('`since` is not an ISO 8601 date-time.', 'since: Invalid ISO datetime'),
    }),
  },
});

const getDelivery = createRoute({
  method: 'get',
  path: '/deliveries/{id}',
  tags: ['deliveries'],
  security: bearerSecurity,
  summary: 'One delivery and its attempts',
  request: { params: deliveryId },
  responses: {
    200: jsonResponse('The delivery.', deliverySchema, { delivery: { value: deliveryExample } }),
    ...problemResponses({ ...unauthorized, ...deliveryNotFoundInfo }),
  },
});

const retryDelivery = createRoute({
  method: 'post',
  path: '/deliveries/{id}/retry',
  tags: ['deliveries'],
  security: bearerSecurity,
  summary: 'Send a delivery again now',
  request: { params: deliveryId },
  responses: {
    202: jsonResponse(
      'Queued again: the delivery, now `pending` (only `id` and `state` if it has just expired).',
      z.union([deliverySchema, z.object({ id: z.string(), state: z.literal('pending') })]),
      {
        queued: { value: { ...deliveryExample, state: 'pending' } },
      },
    ),
    ...problemResponses({
      ...unauthorized,
      ...deliveryNotFoundInfo,
      409: {
        description: 'The delivery is still being attempted.',
        slug: 'delivery-in-progress',
        detail: `Delivery '${deliveryExample.id}' is still being attempted; retry it once it has ended.`,
      },
    }),
  },
});

const disabledUrls = createRoute({
  method: 'get',
  path: '/webhooks/disabled',
  tags: ['webhooks'],
  security: bearerSecurity,
  summary: 'Webhook URLs a 410 answer switched off for this tenant',
  description:
    'Deliveries to a disabled URL end `gone` without being sent, until the URL is switched back on.',
  responses: {
    200: jsonResponse(
      'The disabled URLs, with the 410 that did it.',
      z.object({
        object: z.literal('list'),
        data: z.array(
          z.object({
            object: z.literal('disabled_webhook_url'),
            url: z.string(),
            disabledAt: z.string().describe('When the 410 arrived.'),
            deliveryId: z.string().describe('The delivery that got it.'),
          }),
        ),
      }),
      {
        one: {
          value: {
            object: 'list',
            data: [
              {
                object: 'disabled_webhook_url',
                url: 'https://hooks.example.com/in',
                disabledAt: '2025-01-15T22:41:00.180Z',
                deliveryId: deliveryExample.id,
              },
            ],
          },
        },
      },
    ),
    ...problemResponses(unauthorized),
  },
});

const enableUrl = createRoute({
  method: 'delete',
  path: '/webhooks/disabled',
  tags: ['webhooks'],
  security: bearerSecurity,
  summary: 'Switch a disabled webhook URL back on',
  description:
    'Sends nothing by itself: retry or replay the deliveries that ended `gone` if they are wanted.',
  request: { query: disabledUrlQuery },
  responses: {
    204: { description: 'Switched back on.' },
    ...problemResponses({
      ...unauthorized,
      404: {
        description: 'That URL is not disabled for this key.',
        slug: 'webhook-url-not-disabled',
        detail: "The webhook URL 'https://hooks.example.com/in' is not disabled for this API key.",
      },
      ...invalid(
        'The `url` query parameter is missing.',
        'url: Invalid input: expected string, received undefined',
      ),
    }),
  },
});

/**
 * The webhook delivery log, mounted under `/v1`: a batch's deliveries with every attempt,
 * one delivery, the retry of one, the replay of a tenant's dead letters since a time, and the
 * URLs a 410 switched off (listed, and switched back on).
 * Another tenant's batch or delivery answers 404, as if it did not exist.
 *
 * @example
 * app.route('/v1', deliveryRoutes({ store, deliveries, outbox }));
 */
export function deliveryRoutes(options: DeliveryRoutesOptions) {
  const { store, deliveries, outbox } = options;
  const app = apiRouter<{ Variables: TenantVariables }>();

  const validBatchId = idParam({ name: 'id', kind: 'batch', notFound: batchNotFound });
  const validDeliveryId = idParam({ name: 'id', kind: 'delivery', notFound });

  serveRoute(app, { ...batchDeliveries, middleware: [validBatchId] }, async (c) => {
    const id = c.req.param('id');
    if (!(await store.getForTenant(c.get('tenant'), id))) return batchNotFound(c, id);
    const data = (await deliveries.forBatch(id)).map(present);
    return c.json({ object: 'list', data });
  });

  serveRoute(app, replayDeliveries, async (c) => {
    const parsed = replayBody.safeParse(await readJson(c.req.raw));
    if (!parsed.success) throw validationProblem(parsed.error);
    const since = new Date(parsed.data.since);
    const result = await outbox.replayFailed(c.get('tenant'), since);
    return c.json({ object: 'replay', since: since.toISOString(), ...result }, 202);
  });

  serveRoute(app, { ...getDelivery, middleware: [validDeliveryId] }, async (c) => {
    const delivery = await deliveries.getForTenant(c.get('tenant'), c.req.param('id'));
    return delivery ? c.json(present(delivery)) : notFound(c, c.req.param('id'));
  });

  serveRoute(app, { ...retryDelivery, middleware: [validDeliveryId] }, async (c) => {
    const id = c.req.param('id');
    const outcome = await outbox.redeliver(c.get('tenant'), id);
    if (outcome === 'not_found') return notFound(c, id);
    if (outcome === 'in_progress') {
      return problem(
        c,
        409,
        'delivery-in-progress',
        `Delivery '${id}' is still being attempted; retry it once it has ended.`,
      );
    }
    const delivery = await deliveries.getForTenant(c.get('tenant'), id);
    return c.json(delivery ? present(delivery) : { id, state: 'pending' }, 202);
  });

  serveRoute(app, disabledUrls, async (c) => {
    const data = (await deliveries.disabledUrls(c.get('tenant'))).map((d) => ({
      object: 'disabled_webhook_url',
      url: d.url,
      disabledAt: d.at,
      deliveryId: d.deliveryId,
    }));
    return c.json({ object: 'list', data });
  });

  // Switching a URL back on sends nothing by itself: retry or replay the deliveries wanted.
  serveRoute(app, enableUrl, async (c) => {
    const tenant = c.get('tenant');
    const { url } = validQuery<z.output<typeof disabledUrlQuery>>(c);
    if (!(await deliveries.disabledUrl(tenant, url))) {
      return problem(
        c,
        404,
        'webhook-url-not-disabled',
        `The webhook URL '${url}' is not disabled for this API key.`,
      );
    }
    await deliveries.enableUrl(tenant, url);
    return c.body(null, 204);
  });

  return app;
}

/** The API's view of a delivery: everything but the owner, which the caller already is. */
function present(d: Delivery) {
  return {
    id: d.id,
    object: 'delivery',
    batchId: d.batchId,
    eventType: d.eventType,
    url: d.url,
    state: d.state,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    attempts: d.attempts,
  };
}

function notFound(c: Parameters<typeof problem>[0], id: string) {
  return problem(c, 404, 'delivery-not-found', `No delivery '${id}' for this API key.`);
}

function batchNotFound(c: Parameters<typeof problem>[0], id: string) {
  return problem(c, 404, 'batch-not-found', `No batch '${id}' for this API key.`);
}

async function readJson(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    throw new ProblemError(400, 'malformed-json', 'The body is not valid JSON.');
  }
}
