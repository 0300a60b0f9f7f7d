import type { BatchStore, Delivery, DeliveryLog, WebhookOutbox } from '@nightshift/batches';
import { Hono } from 'hono';
import { z } from 'zod';
import { idParam } from '../middleware/id-param.ts';
import type { TenantVariables } from '../middleware/tenant-auth.ts';
import { ProblemError, problem, validationProblem } from '../problem.ts';

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
  /** The URL exactly as the batch's `webhook.url` gave it. */
  url: z.string().min(1),
});

const replayBody = z.object({
  /** ISO 8601 date-time: replay the failed deliveries that ended at or after it. */
  since: z.iso.datetime({ offset: true }),
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
  const app = new Hono<{ Variables: TenantVariables }>();

  const validBatchId = idParam({ name: 'id', kind: 'batch', notFound: batchNotFound });
  const validDeliveryId = idParam({ name: 'id', kind: 'delivery', notFound });

  app.get('/batches/:id/deliveries', validBatchId, async (c) => {
    const id = c.req.param('id');
    if (!(await store.getForTenant(c.get('tenant'), id))) return batchNotFound(c, id);
    const data = (await deliveries.forBatch(id)).map(present);
    return c.json({ object: 'list', data });
  });

  app.post('/deliveries/replay', async (c) => {
    const parsed = replayBody.safeParse(await readJson(c.req.raw));
    if (!parsed.success) throw validationProblem(parsed.error);
    const since = new Date(parsed.data.since);
    const result = await outbox.replayFailed(c.get('tenant'), since);
    return c.json({ object: 'replay', since: since.toISOString(), ...result }, 202);
  });

  app.get('/deliveries/:id', validDeliveryId, async (c) => {
    const delivery = await deliveries.getForTenant(c.get('tenant'), c.req.param('id'));
    return delivery ? c.json(present(delivery)) : notFound(c, c.req.param('id'));
  });

  app.post('/deliveries/:id/retry', validDeliveryId, async (c) => {
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

  app.get('/webhooks/disabled', async (c) => {
    const data = (await deliveries.disabledUrls(c.get('tenant'))).map((d) => ({
      object: 'disabled_webhook_url',
      url: d.url,
      disabledAt: d.at,
      deliveryId: d.deliveryId,
    }));
    return c.json({ object: 'list', data });
  });

  // Switching a URL back on sends nothing by itself: retry or replay the deliveries wanted.
  app.delete('/webhooks/disabled', async (c) => {
    const parsed = disabledUrlQuery.safeParse({ url: c.req.query('url') });
    if (!parsed.success) throw validationProblem(parsed.error);
    const tenant = c.get('tenant');
    const { url } = parsed.data;
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
