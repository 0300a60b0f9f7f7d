import { keyPrefix } from '@nightshift/core';
import { luaScript } from '@nightshift/redis';
import type { ChainableCommander, Redis } from 'ioredis';

/** One attempt to deliver a webhook, as the delivery log keeps it. */
export interface DeliveryAttempt {
  /** ISO time the attempt ended. */
  at: string;
  /** The URL it was sent to. */
  url: string;
  /** HTTP status, or null when the receiver never answered. */
  status: number | null;
  /** From the start of the attempt to its end. */
  durationMs: number;
  /** Why it failed (`timeout after 15000 ms`, `http_500`, …), null on success. */
  error: string | null;
  /** The first bytes of the receiver's answer. */
  response: string | null;
}

/** Where a delivery stands: `pending` until it ends. */
export type DeliveryState = 'pending' | 'delivered' | 'failed' | 'gone';

/** A webhook delivery: one event to one URL, retried under one `webhook-id`. */
export interface Delivery {
  /** The `webhook-id` (`msg_…`), the same on every attempt and replay. */
  id: string;
  tenant: string;
  batchId: string;
  /** `batch.completed`, `document.failed`, … */
  eventType: string;
  url: string;
  /**
   * `delivered` (a 2xx), `failed` (schedule exhausted or target refused: a dead letter),
   * `gone` (the receiver answered 410, or the URL was already disabled by an earlier 410).
   */
  state: DeliveryState;
  createdAt: string;
  updatedAt: string;
  /** Every attempt, oldest first, replays included. */
  attempts: DeliveryAttempt[];
}

/** What {@link DeliveryLog.open} records for a new delivery. */
export type NewDelivery = Pick<Delivery, 'id' | 'tenant' | 'batchId' | 'eventType' | 'url'> & {
  /** The exact signed body, kept so a replay sends the same bytes after the job is gone. */
  body: string;
};

/** A URL switched off for a tenant by a 410 answer. */
export interface DisabledUrl {
  url: string;
  /** When the 410 arrived. */
  at: string;
  /** The delivery that got it. */
  deliveryId: string;
}

// Create-if-absent and index under the batch in one round trip: the finalizer opens one
// delivery per finished batch, so this sits on the path from completion to webhook.
const openScript = luaScript(new URL('./lua/open-delivery.lua', import.meta.url));

const deliveryKey = (id: string) => `${keyPrefix}:delivery:${id}`;
const attemptsKey = (id: string) => `${keyPrefix}:delivery:${id}:attempts`;
const batchDeliveriesKey = (batchId: string) => `${keyPrefix}:batch:${batchId}:deliveries`;
const tenantFailedKey = (tenant: string) => `${keyPrefix}:tenant:${tenant}:deliveries:failed`;
const disabledUrlsKey = (tenant: string) => `${keyPrefix}:tenant:${tenant}:webhooks:disabled`;

/**
 * The log of webhook deliveries: every attempt with its outcome, per batch; the dead letters
 * (deliveries whose schedule ran out) per tenant, for replay; and the URLs a 410 disabled.
 *
 * @example
 * const created = await log.open({ id, tenant, batchId, eventType: 'batch.completed', url, body });
 * await log.recordAttempt(id, attempt);
 * await log.settle(id, 'delivered');
 */
export class DeliveryLog {
  constructor(
    readonly redis: Redis,
    /** How long a delivery and its attempts stay readable after their last change. */
    readonly ttlMs: number,
  ) {}

  /** Records a new pending delivery; returns false (and changes nothing) if the id exists. */
  async open(d: NewDelivery): Promise<boolean> {
    const now = new Date().toISOString();
    const created = await openScript.run(
      this.redis,
      [deliveryKey(d.id), batchDeliveriesKey(d.batchId)],
      [
        this.ttlMs,
        d.id,
        ...['tenant', d.tenant, 'batchId', d.batchId, 'eventType', d.eventType, 'url', d.url],
        ...['body', d.body, 'state', 'pending', 'createdAt', now, 'updatedAt', now],
      ],
    );
    return created === 1;
  }

  /**
   * Appends one attempt (atomic: attempts of one delivery never overwrite each other). With
   * `settle`, ends the delivery in the same round trip.
   */
  async recordAttempt(
    id: string,
    attempt: DeliveryAttempt,
    end?: { settle: DeliveryState; tenant: string },
  ): Promise<void> {
    const multi = this.redis
      .multi()
      .rpush(attemptsKey(id), JSON.stringify(attempt))
      .pexpire(attemptsKey(id), this.ttlMs)
      .hset(deliveryKey(id), 'updatedAt', attempt.at);
    if (end) this.#settle(multi, id, end.settle, end.tenant);
    await multi.exec();
  }

  /** Ends a delivery. `failed` ones join the tenant's dead letters; any other state leaves them. */
  async settle(id: string, state: DeliveryState, tenant?: string): Promise<void> {
    const owner = tenant ?? (await this.redis.hget(deliveryKey(id), 'tenant'));
    const multi = this.redis.multi();
    this.#settle(multi, id, state, owner);
    await multi.exec();
  }

  #settle(multi: ChainableCommander, id: string, state: DeliveryState, tenant: string | null) {
    multi.hset(deliveryKey(id), { state, updatedAt: new Date().toISOString() });
    multi.pexpire(deliveryKey(id), this.ttlMs);
    if (tenant && state === 'failed') multi.zadd(tenantFailedKey(tenant), Date.now(), id);
    else if (tenant) multi.zrem(tenantFailedKey(tenant), id);
  }

  /** The delivery with its attempts, or null when unknown or aged out. */
  async get(id: string): Promise<Delivery | null> {
    const [fields, attempts] = await Promise.all([
      this.redis.hgetall(deliveryKey(id)),
      this.redis.lrange(attemptsKey(id), 0, -1),
    ]);
    if (!fields.id) return null;
    return {
      id: fields.id,
      tenant: fields.tenant ?? '',
      batchId: fields.batchId ?? '',
      eventType: fields.eventType ?? '',
      url: fields.url ?? '',
      state: (fields.state ?? 'pending') as DeliveryState,
      createdAt: fields.createdAt ?? '',
      updatedAt: fields.updatedAt ?? '',
      attempts: attempts.map((a) => JSON.parse(a) as DeliveryAttempt),
    };
  }

  /** The delivery if `tenant` owns it; another tenant's delivery is indistinguishable from none. */
  async getForTenant(tenant: string, id: string): Promise<Delivery | null> {
    const delivery = await this.get(id);
    return delivery && delivery.tenant === tenant ? delivery : null;
  }

  /** The signed body of a delivery, for a replay. */
  async body(id: string): Promise<string | null> {
    return this.redis.hget(deliveryKey(id), 'body');
  }

  /** Every delivery of a batch (final event and document events), in the order they opened. */
  async forBatch(batchId: string): Promise<Delivery[]> {
    const ids = await this.redis.lrange(batchDeliveriesKey(batchId), 0, -1);
    const all = await Promise.all(ids.map((id) => this.get(id)));
    return all.filter((d): d is Delivery => d !== null);
  }

  /** Ids of a tenant's failed deliveries (dead letters) that ended at or after `since`. */
  async failedSince(tenant: string, since: Date): Promise<string[]> {
    return this.redis.zrangebyscore(tenantFailedKey(tenant), since.getTime(), '+inf');
  }

  /** Switches a URL off for a tenant after a 410: its later deliveries end `gone` unsent. */
  async disableUrl(tenant: string, url: string, deliveryId: string): Promise<void> {
    const record: DisabledUrl = { url, at: new Date().toISOString(), deliveryId };
    await this.redis.hset(disabledUrlsKey(tenant), url, JSON.stringify(record));
  }

  /** The 410 that disabled this URL for the tenant, or null when it is enabled. */
  async disabledUrl(tenant: string, url: string): Promise<DisabledUrl | null> {
    const raw = await this.redis.hget(disabledUrlsKey(tenant), url);
    return raw ? (JSON.parse(raw) as DisabledUrl) : null;
  }

  /** Every URL a 410 disabled for the tenant. */
  async disabledUrls(tenant: string): Promise<DisabledUrl[]> {
    const all = await this.redis.hvals(disabledUrlsKey(tenant));
    return all.map((raw) => JSON.parse(raw) as DisabledUrl);
  }

  /** Switches a URL back on (an explicit retry of a `gone` delivery does this). */
  async enableUrl(tenant: string, url: string): Promise<void> {
    await this.redis.hdel(disabledUrlsKey(tenant), url);
  }
}
