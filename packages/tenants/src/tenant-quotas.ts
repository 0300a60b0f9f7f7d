import { keyPrefix } from '@nightshift/core';
import type { Redis } from 'ioredis';

/** Limits that can be set for one tenant; a field left out falls back to the configured default. */
export interface TenantQuota {
  /** Documents the tenant may have unfinished (queued or running) at once. */
  maxQueuedDocuments?: number;
  /** Bytes of documents in one batch. */
  maxBatchBytes?: number;
  /** Bytes of `/openai/v1` files the tenant may hold at once (uploads in progress included). */
  maxStoredFileBytes?: number;
  /** `/openai/v1` files the tenant may hold at once. */
  maxStoredFiles?: number;
}

/** Options of {@link TenantQuotaStore}. */
export interface TenantQuotaStoreOptions {
  /** A client connection (commands only). */
  redis: Redis;
}

const quotasKey = `${keyPrefix}:tenants:quotas`;
const fields = [
  'maxQueuedDocuments',
  'maxBatchBytes',
  'maxStoredFileBytes',
  'maxStoredFiles',
] as const;

/**
 * Per-tenant overrides of the configured quotas, in Redis so every replica applies the same.
 *
 * @example
 * const quotas = new TenantQuotaStore({ redis });
 * await quotas.set('acme', { maxQueuedDocuments: 500_000 });
 * const limit = (await quotas.get('acme')).maxQueuedDocuments ?? config.NIGHTSHIFT_MAX_QUEUED_PER_TENANT;
 */
export class TenantQuotaStore {
  readonly #redis: Redis;

  constructor(options: TenantQuotaStoreOptions) {
    this.#redis = options.redis;
  }

  /** The tenant's overrides (an empty object when it has none). */
  async get(tenant: string): Promise<TenantQuota> {
    const raw = await this.#redis.hget(quotasKey, tenant);
    return raw ? (JSON.parse(raw) as TenantQuota) : {};
  }

  /** Replaces the tenant's overrides; an empty quota removes them. Values must be positive integers. */
  async set(tenant: string, quota: TenantQuota): Promise<TenantQuota> {
    const clean: TenantQuota = {};
    for (const field of fields) {
      const value = quota[field];
      if (value === undefined) continue;
      if (!Number.isSafeInteger(value) || value < 1) {
        throw new RangeError(`${field} must be a positive integer`);
      }
      clean[field] = value;
    }
    if (Object.keys(clean).length === 0) await this.#redis.hdel(quotasKey, tenant);
    else await this.#redis.hset(quotasKey, tenant, JSON.stringify(clean));
    return clean;
  }

  /** Every tenant with overrides. */
  async list(): Promise<Record<string, TenantQuota>> {
    const all = await this.#redis.hgetall(quotasKey);
    return Object.fromEntries(
      Object.entries(all).map(([tenant, raw]) => [tenant, JSON.parse(raw) as TenantQuota]),
    );
  }
}
