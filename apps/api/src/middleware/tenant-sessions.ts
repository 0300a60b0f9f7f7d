import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { keyPrefix } from '@nightshift/core';
import type { Redis } from 'ioredis';
import { z } from 'zod';

/** Options of {@link TenantSessionStore}. */
export interface TenantSessionStoreOptions {
  redis: Redis;
  /** `NIGHTSHIFT_TENANT_SESSION_TTL_S`: a session's lifetime from sign-in. */
  ttlS: number;
}

/** A live tenant session. */
export interface TenantSession {
  tenant: string;
  /** SHA-256 (hex) of the API key signed in with: the session ends when that key stops working. */
  keyHash: string;
  /** This session's CSRF token: every form the page posts carries it. */
  csrf: string;
}

const storedSession = z.object({ tenant: z.string(), keyHash: z.string(), csrf: z.string() });

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

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/**
 * Tenant browser sessions of the `/tenant` page in Redis: each sign-in gets a fresh random id
 * (the cookie) and its own CSRF token, held under `{nightshift}:tenant-session:<sha256 of id>`
 * until it expires or is revoked at sign-out. Redis holds the id's digest, never the id, and
 * the API key's hash, never the key.
 *
 * @example
 * const sessions = new TenantSessionStore({ redis, ttlS: 28_800 });
 * const id = await sessions.open({ tenant: 'acme', keyHash }); // the cookie's value
 * const session = await sessions.get(id); // { tenant, keyHash, csrf } until it ends
 */
export class TenantSessionStore {
  readonly ttlS: number;
  readonly #redis: Redis;

  constructor(options: TenantSessionStoreOptions) {
    this.#redis = options.redis;
    this.ttlS = options.ttlS;
  }

  /** Opens a session for a tenant and answers its id. */
  async open(fields: Omit<TenantSession, 'csrf'>): Promise<string> {
    const id = randomToken();
    const session: TenantSession = { ...fields, csrf: randomToken() };
    await this.#redis.set(this.#key(id), JSON.stringify(session), 'EX', this.ttlS);
    return id;
  }

  /** The session `id` names, or null when it is malformed, expired or revoked. */
  async get(id: string | undefined): Promise<TenantSession | null> {
    if (!id || !tokenPattern.test(id)) return null;
    const raw = await this.#redis.get(this.#key(id));
    if (!raw) return null;
    const parsed = storedSession.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  }

  /** Ends a session at once (sign-out, or its key no longer works); unknown ids are ignored. */
  async revoke(id: string): Promise<void> {
    if (tokenPattern.test(id)) await this.#redis.del(this.#key(id));
  }

  #key(id: string): string {
    return `${keyPrefix}:tenant-session:${sha256(id)}`;
  }
}
