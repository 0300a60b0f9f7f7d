import type { Redis } from 'ioredis';
import { z } from 'zod';
import { randomToken, type SessionKind, SessionStore } from './session-store.ts';

export { randomToken, sameToken } from './session-store.ts';

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

/**
 * The tenant kind of session: `{nightshift}:tenant-session:<sha256 of the id>` holds the
 * tenant, the API key's hash (never the key) and the session's CSRF token, as JSON.
 */
export function tenantSessionKind(ttlS: number): SessionKind<TenantSession> {
  return {
    keyName: 'tenant-session',
    ttlS,
    encode: (session) => JSON.stringify(session),
    decode: (stored) => {
      try {
        const parsed = storedSession.safeParse(JSON.parse(stored));
        return parsed.success ? parsed.data : null;
      } catch {
        return null;
      }
    },
  };
}

/**
 * Tenant browser sessions of the `/tenant` page: the shared {@link SessionStore} of the tenant
 * kind, each sign-in with its own CSRF token.
 *
 * @example
 * const sessions = new TenantSessionStore({ redis, ttlS: 28_800 });
 * const id = await sessions.open({ tenant: 'acme', keyHash }); // the cookie's value
 * const session = await sessions.get(id); // { tenant, keyHash, csrf } until it ends
 */
export class TenantSessionStore extends SessionStore<TenantSession> {
  constructor(options: TenantSessionStoreOptions) {
    super({ redis: options.redis, kind: tenantSessionKind(options.ttlS) });
  }

  /** Opens a session for a tenant, with a fresh CSRF token, and answers its id. */
  open(fields: Omit<TenantSession, 'csrf'>): Promise<string> {
    return this.create({ ...fields, csrf: randomToken() });
  }
}
