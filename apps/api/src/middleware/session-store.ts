import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { keyPrefix } from '@nightshift/core';
import type { Redis } from 'ioredis';

/** A fresh 256-bit random token, base64url (43 characters). */
export const randomToken = () => randomBytes(32).toString('base64url');
const tokenPattern = /^[A-Za-z0-9_-]{43}$/;

/** True when two tokens are equal, in constant time; false for anything not a token. */
export function sameToken(expected: string, presented: unknown): boolean {
  if (typeof presented !== 'string' || !tokenPattern.test(presented)) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** What tells one kind of browser session from another. */
export interface SessionKind<T> {
  /**
   * The key's name after `{nightshift}:` and before the id's digest (`admin:session`,
   * `tenant-session`). Never renamed: live sessions must survive a deploy.
   */
  keyName: string;
  /** A session's lifetime from sign-in. */
  ttlS: number;
  /** The value stored in Redis. */
  encode(session: T): string;
  /** The session a stored value holds, or null when it no longer counts (a rotated key). */
  decode(stored: string): T | null;
}

/** Options of {@link SessionStore}. */
export interface SessionStoreOptions<T> {
  redis: Redis;
  kind: SessionKind<T>;
}

/**
 * Browser sessions in Redis, one kind per store: each sign-in gets a fresh random id (the
 * cookie's value, 256 bits), held under `{nightshift}:<keyName>:<sha256 of the id>` until it
 * expires or is revoked. Redis holds only the id's digest, so a dump of Redis hands out no live
 * cookie; what a session holds is up to its {@link SessionKind}.
 *
 * @example
 * const sessions = new SessionStore({ redis, kind: tenantSessionKind(28_800) });
 * const id = await sessions.create({ tenant: 'acme', keyHash, csrf: randomToken() });
 * await sessions.get(id); // the session until it ends
 */
export class SessionStore<T> {
  readonly ttlS: number;
  readonly #redis: Redis;
  readonly #kind: SessionKind<T>;

  constructor(options: SessionStoreOptions<T>) {
    this.#redis = options.redis;
    this.#kind = options.kind;
    this.ttlS = options.kind.ttlS;
  }

  /** Opens a session holding `session` and answers its id. */
  async create(session: T): Promise<string> {
    const id = randomToken();
    await this.#redis.set(this.#key(id), this.#kind.encode(session), 'EX', this.ttlS);
    return id;
  }

  /** The session `id` names, or null when it is malformed, expired, revoked or no longer counts. */
  async get(id: string | undefined): Promise<T | null> {
    if (!id || !tokenPattern.test(id)) return null;
    const stored = await this.#redis.get(this.#key(id));
    return stored === null ? null : this.#kind.decode(stored);
  }

  /** Ends a session at once (sign-out); unknown ids are ignored. */
  async revoke(id: string): Promise<void> {
    if (tokenPattern.test(id)) await this.#redis.del(this.#key(id));
  }

  #key(id: string): string {
    const digest = createHash('sha256').update(id).digest('hex');
    return `${keyPrefix}:${this.#kind.keyName}:${digest}`;
  }
}
