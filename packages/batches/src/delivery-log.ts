import { keyPrefix } from '@nightshift/core';
import type { Redis } from 'ioredis';

/** One attempt to deliver a webhook, as the delivery log keeps it. */
export interface DeliveryAttempt {
  at: string;
  url: string;
  status: number | null;
  durationMs: number;
  error: string | null;
  /** The first bytes of the receiver's answer. */
  response: string | null;
}

/** A webhook delivery: one event to one URL, retried under one `webhook-id`. */
export interface Delivery {
  id: string;
  tenant: string;
  batchId: string;
  eventType: string;
  url: string;
  /** `pending` until it ends: `delivered`, `failed` (schedule exhausted: a dead letter), `gone` (410). */
  state: 'pending' | 'delivered' | 'failed' | 'gone';
  createdAt: string;
  updatedAt: string;
  attempts: DeliveryAttempt[];
}

const deliveryKey = (id: string) => `${keyPrefix}:delivery:${id}`;
const batchDeliveriesKey = (batchId: string) => `${keyPrefix}:batch:${batchId}:deliveries`;
const tenantFailedKey = (tenant: string) => `${keyPrefix}:tenant:${tenant}:deliveries:failed`;

/**
 * The log of webhook deliveries: every attempt with its outcome, per batch, and the dead letters
 * (deliveries whose schedule ran out) per tenant for replay.
 *
 * @example
 * await log.open({ id, tenant, batchId, eventType: 'batch.completed', url });
 * await log.recordAttempt(id, attempt);
 * await log.settle(id, 'delivered');
 */
export class DeliveryLog {
  constructor(
    readonly redis: Redis,
    readonly ttlMs: number,
  ) {}

  async open(d: Pick<Delivery, 'id' | 'tenant' | 'batchId' | 'eventType' | 'url'>): Promise<void> {
    const now = new Date().toISOString();
    const created = await this.redis.hsetnx(deliveryKey(d.id), 'id', d.id);
    if (!created) return;
    await this.redis
      .multi()
      .hset(deliveryKey(d.id), {
        ...d,
        state: 'pending',
        createdAt: now,
        updatedAt: now,
        attempts: '[]',
      })
      .pexpire(deliveryKey(d.id), this.ttlMs)
      .rpush(batchDeliveriesKey(d.batchId), d.id)
      .pexpire(batchDeliveriesKey(d.batchId), this.ttlMs)
      .exec();
  }

  async recordAttempt(id: string, attempt: DeliveryAttempt): Promise<void> {
    const raw = await this.redis.hget(deliveryKey(id), 'attempts');
    const attempts = JSON.parse(raw ?? '[]') as DeliveryAttempt[];
    attempts.push(attempt);
    await this.redis.hset(deliveryKey(id), {
      attempts: JSON.stringify(attempts),
      updatedAt: attempt.at,
    });
  }

  async settle(id: string, state: Delivery['state']): Promise<void> {
    const tenant = await this.redis.hget(deliveryKey(id), 'tenant');
    const multi = this.redis.multi();
    multi.hset(deliveryKey(id), { state, updatedAt: new Date().toISOString() });
    if (tenant && (state === 'failed' || state === 'gone')) {
      multi.zadd(tenantFailedKey(tenant), Date.now(), id);
    } else if (tenant) {
      multi.zrem(tenantFailedKey(tenant), id);
    }
    await multi.exec();
  }

  async get(id: string): Promise<Delivery | null> {
    const f = await this.redis.hgetall(deliveryKey(id));
    if (!f.id) return null;
    return { ...(f as unknown as Delivery), attempts: JSON.parse(f.attempts ?? '[]') };
  }

  async forBatch(batchId: string): Promise<Delivery[]> {
    const ids = await this.redis.lrange(batchDeliveriesKey(batchId), 0, -1);
    const all = await Promise.all(ids.map((id) => this.get(id)));
    return all.filter((d): d is Delivery => d !== null);
  }

  /** Ids of a tenant's failed deliveries that ended at or after `since`. */
  async failedSince(tenant: string, since: Date): Promise<string[]> {
    return this.redis.zrangebyscore(tenantFailedKey(tenant), since.getTime(), '+inf');
  }
}
