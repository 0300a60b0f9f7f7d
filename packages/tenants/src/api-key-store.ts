import { randomBytes } from 'node:crypto';
import { keyPrefix } from '@nightshift/core';
import { luaScript } from '@nightshift/redis';
import type { Redis } from 'ioredis';
import { generateApiKey, hashApiKey, tenantNamePattern } from './api-key-material.ts';

/** What the store shows about a key: never the key itself. */
export interface ApiKeyInfo {
  /** `key_…`: how the admin API names the key (for revocation). */
  id: string;
  tenant: string;
  /** A human label (`ci`, `nightly importer`); null when none was given. */
  name: string | null;
  /** ISO time of creation. */
  createdAt: string;
  /** The key's last four characters, so an operator can tell keys apart. */
  last4: string;
}

/** A key just created: the only moment its secret is known. */
export interface CreatedApiKey extends ApiKeyInfo {
  /** The secret `ns_…` key; it is not stored and cannot be shown again. */
  key: string;
}

/** Options of {@link ApiKeyStore}. */
export interface ApiKeyStoreOptions {
  /** A client connection (commands only). */
  redis: Redis;
}

/** Raised for a tenant or name the store refuses. */
export class InvalidApiKeyInput extends Error {
  override name = 'InvalidApiKeyInput';
  constructor(
    /** `tenant` or `name`. */
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Hash: SHA-256 of a key → `{id, tenant}`; the only thing a request's lookup reads. */
const byHashKey = `${keyPrefix}:apikeys:by-hash`;
/** Hash: key id → the key's record (info plus its hash, for revocation). */
const recordsKey = `${keyPrefix}:apikeys:records`;

// Both hashes change in one step, so no replica ever sees a key listed but not revocable.
const revokeScript = luaScript(new URL('./lua/revoke-api-key.lua', import.meta.url));

type StoredRecord = ApiKeyInfo & { hash: string };

/**
 * API keys managed at run time, kept in Redis as SHA-256 hashes. Every lookup reads Redis, so
 * a revoked key stops working on every API replica with the next request: there is no cache to
 * go stale.
 *
 * @example
 * const keys = new ApiKeyStore({ redis });
 * const created = await keys.create({ tenant: 'acme', name: 'ci' }); // created.key shown once
 * await keys.resolve(created.key); // 'acme'
 * await keys.revoke(created.id);   // true; resolve() now answers null
 */
export class ApiKeyStore {
  readonly #redis: Redis;

  constructor(options: ApiKeyStoreOptions) {
    this.#redis = options.redis;
  }

  /** Creates a key for a tenant; the answer is the only place the secret appears. */
  async create(input: { tenant: string; name?: string | null }): Promise<CreatedApiKey> {
    if (!tenantNamePattern.test(input.tenant)) {
      throw new InvalidApiKeyInput('tenant', 'letters, digits, _ . - only; 1 to 64 characters');
    }
    const name = input.name?.trim() || null;
    if (name !== null && name.length > 100) {
      throw new InvalidApiKeyInput('name', 'at most 100 characters');
    }
    const key = generateApiKey();
    const hash = hashApiKey(key);
    const info: ApiKeyInfo = {
      id: `key_${randomBytes(9).toString('base64url')}`,
      tenant: input.tenant,
      name,
      createdAt: new Date().toISOString(),
      last4: key.slice(-4),
    };
    const record: StoredRecord = { ...info, hash };
    await this.#redis
      .multi()
      .hset(recordsKey, info.id, JSON.stringify(record))
      .hset(byHashKey, hash, JSON.stringify({ id: info.id, tenant: info.tenant }))
      .exec();
    return { ...info, key };
  }

  /** Every live key, oldest first; optionally one tenant's. */
  async list(tenant?: string): Promise<ApiKeyInfo[]> {
    const raw = await this.#redis.hvals(recordsKey);
    return raw
      .map((value) => {
        const { hash: _hash, ...info } = JSON.parse(value) as StoredRecord;
        return info;
      })
      .filter((info) => tenant === undefined || info.tenant === tenant)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /** Revokes a key; false when there is no such (live) key. */
  async revoke(id: string): Promise<boolean> {
    return (await revokeScript.run(this.#redis, [byHashKey, recordsKey], [id])) === 1;
  }

  /** The tenant a presented key belongs to, or null for an unknown or revoked key. */
  async resolve(key: string): Promise<string | null> {
    return this.resolveHash(hashApiKey(key));
  }

  /**
   * The tenant of a live key known by its hash ({@link hashApiKey}), or null: how a session
   * that remembers only the hash notices its key was revoked.
   */
  async resolveHash(hash: string): Promise<string | null> {
    const raw = await this.#redis.hget(byHashKey, hash);
    return raw ? (JSON.parse(raw) as { tenant: string }).tenant : null;
  }

  /** Tenants that hold at least one live key. */
  async tenants(): Promise<string[]> {
    const keys = await this.list();
    return [...new Set(keys.map((k) => k.tenant))].sort();
  }
}
