import { luaScript } from '@nightshift/redis';
import type { Redis } from 'ioredis';
import { storageEndsKey, storageLedgerKey } from './file-keys.ts';

const reserveScript = luaScript(new URL('./lua/reserve-upload.lua', import.meta.url));
const forgetScript = luaScript(new URL('./lua/forget-stored.lua', import.meta.url));
const usageScript = luaScript(new URL('./lua/storage-usage.lua', import.meta.url));

/** How much a tenant may store: bytes and files, uploads in progress included. */
export interface StorageQuota {
  maxBytes: number;
  maxFiles: number;
}

/** What a tenant's files take now. */
export interface StorageUsage {
  bytes: number;
  files: number;
}

/** Thrown when an upload would pass the tenant's storage quota; nothing of it stays stored. */
export class StorageQuotaError extends Error {
  override readonly name = 'StorageQuotaError';
  constructor(
    /** Which limit it would pass. */
    readonly limit: 'bytes' | 'files',
    readonly quota: StorageQuota,
  ) {
    super(
      limit === 'bytes'
        ? `This upload would pass the storage quota of ${quota.maxBytes} bytes for files. Delete files you no longer need, or ask for a larger quota.`
        : `This upload would pass the storage quota of ${quota.maxFiles} files. Delete files you no longer need, or ask for a larger quota.`,
    );
  }
}

/**
 * Each tenant's file storage in one ledger: the bytes and files it holds, stored or still
 * streaming in. Every entry has an end (a file's expiry; an upload's lapse unless its API renews
 * it), and an entry past its end gives its room back on the next look, so a file that expired
 * or an upload whose API was killed never holds quota for good.
 *
 * @example
 * await ledger.reserve('acme', 'u:file-1', 1_048_576, { maxBytes, maxFiles }, Date.now() + 120_000);
 */
export class FileStorageLedger {
  readonly #redis: Redis;

  constructor(options: { redis: Redis }) {
    this.#redis = options.redis;
  }

  /**
   * Adds `bytes` to the upload's entry, atomically with the quota check (two uploads racing
   * can never both pass). No `quota`: counted, never refused (batch outputs).
   *
   * @throws {StorageQuotaError} when the quota would be passed; nothing is added then.
   */
  async reserve(
    tenant: string,
    member: string,
    bytes: number,
    quota: StorageQuota | undefined,
    lapsesAtMs: number,
  ): Promise<void> {
    const answer = await reserveScript.run(
      this.#redis,
      [storageLedgerKey(tenant), storageEndsKey(tenant)],
      [member, bytes, quota?.maxBytes ?? -1, quota?.maxFiles ?? -1, Date.now(), lapsesAtMs],
    );
    if (answer === 1) throw new StorageQuotaError('bytes', quota as StorageQuota);
    if (answer === 2) throw new StorageQuotaError('files', quota as StorageQuota);
  }

  /** Moves an upload's lapse later (it is still streaming in); no-op once it is gone. */
  renew(tenant: string, member: string, lapsesAtMs: number): Promise<unknown> {
    return this.#redis.zadd(storageEndsKey(tenant), 'XX', lapsesAtMs, member);
  }

  /** Gives an entry's room back (a deleted file, a failed upload). Idempotent. */
  async forget(tenant: string, member: string): Promise<void> {
    await forgetScript.run(
      this.#redis,
      [storageLedgerKey(tenant), storageEndsKey(tenant)],
      [member],
    );
  }

  /** What the tenant's files take now. */
  async usage(tenant: string): Promise<StorageUsage> {
    const [bytes, files] = (await usageScript.run(
      this.#redis,
      [storageLedgerKey(tenant), storageEndsKey(tenant)],
      [Date.now()],
    )) as number[];
    return { bytes: bytes ?? 0, files: files ?? 0 };
  }
}
