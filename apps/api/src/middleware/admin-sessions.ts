import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { keyPrefix } from '@nightshift/core';
import type { Redis } from 'ioredis';

/** Options of {@link AdminSessionStore}. */
export interface AdminSessionStoreOptions {
  redis: Redis;
  /** `NIGHTSHIFT_ADMIN_KEY`: sessions remember a fingerprint of it, so rotating it ends them. */
  adminKey: string;
  /** `NIGHTSHIFT_ADMIN_SESSION_TTL_S`: a session's lifetime from sign-in. */
  ttlS: number;
}

/** Bytes of randomness in a session id (256 bits; the floor is 128). */
const sessionIdBytes = 32;

const sha256 = (value: string) => createHash('sha256').update(value).digest();

/**
 * Admin browser sessions in Redis: each sign-in gets a fresh random id, held under
 * `{nightshift}:admin:session:<sha256 of the id>` until it expires or is revoked at sign-out.
 * Redis holds only the id's digest (a dump of Redis hands out no live cookie) and a keyed
 * fingerprint of the admin key the session was opened with.
 *
 * @example
 * const sessions = new AdminSessionStore({ redis, adminKey, ttlS: 43_200 });
 * const id = await sessions.open(); // the cookie's value
 * await sessions.isLive(id); // true until it expires, is revoked or the key changes
 */
export class AdminSessionStore {
  readonly ttlS: number;
  readonly #redis: Redis;
  readonly #fingerprint: Buffer;

  constructor(options: AdminSessionStoreOptions) {
    this.#redis = options.redis;
    this.ttlS = options.ttlS;
    this.#fingerprint = createHmac('sha256', options.adminKey)
      .update('nightshift-admin-session-key-v2')
      .digest();
  }

  /** Opens a session and answers its id (base64url, 256 random bits). */
  async open(): Promise<string> {
    const id = randomBytes(sessionIdBytes).toString('base64url');
    await this.#redis.set(this.#key(id), this.#fingerprint.toString('base64url'), 'EX', this.ttlS);
    return id;
  }

  /** True when `id` names a session that has not expired, been revoked or outlived its key. */
  async isLive(id: string): Promise<boolean> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return false;
    const stored = await this.#redis.get(this.#key(id));
    if (!stored) return false;
    const fingerprint = Buffer.from(stored, 'base64url');
    return (
      fingerprint.length === this.#fingerprint.length &&
      timingSafeEqual(fingerprint, this.#fingerprint)
    );
  }

  /** Ends a session at once (sign-out); unknown ids are ignored. */
  async revoke(id: string): Promise<void> {
    await this.#redis.del(this.#key(id));
  }

  #key(id: string): string {
    return `${keyPrefix}:admin:session:${sha256(id).toString('hex')}`;
  }
}
