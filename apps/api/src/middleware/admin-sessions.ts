import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { type SessionKind, SessionStore } from './session-store.ts';

/** Options of {@link AdminSessionStore}. */
export interface AdminSessionStoreOptions {
  redis: Redis;
  /** `NIGHTSHIFT_ADMIN_KEY`: sessions remember a fingerprint of it, so rotating it ends them. */
  adminKey: string;
  /** `NIGHTSHIFT_ADMIN_SESSION_TTL_S`: a session's lifetime from sign-in. */
  ttlS: number;
}

/** An admin session holds nothing but the fact that it is live. */
export type AdminSession = true;

/**
 * The admin kind of session: `{nightshift}:admin:session:<sha256 of the id>` holds a keyed
 * fingerprint of the admin key it was opened with, so a session outlives neither its TTL nor
 * the key.
 */
export function adminSessionKind(adminKey: string, ttlS: number): SessionKind<AdminSession> {
  const fingerprint = createHmac('sha256', adminKey)
    .update('nightshift-admin-session-key-v2')
    .digest();
  return {
    keyName: 'admin:session',
    ttlS,
    encode: () => fingerprint.toString('base64url'),
    decode: (stored) => {
      const presented = Buffer.from(stored, 'base64url');
      return presented.length === fingerprint.length && timingSafeEqual(presented, fingerprint)
        ? true
        : null;
    },
  };
}

/**
 * Admin browser sessions: the shared {@link SessionStore} of the admin kind.
 *
 * @example
 * const sessions = new AdminSessionStore({ redis, adminKey, ttlS: 43_200 });
 * const id = await sessions.open(); // the cookie's value
 * await sessions.isLive(id); // true until it expires, is revoked or the key changes
 */
export class AdminSessionStore extends SessionStore<AdminSession> {
  constructor(options: AdminSessionStoreOptions) {
    super({ redis: options.redis, kind: adminSessionKind(options.adminKey, options.ttlS) });
  }

  /** Opens a session and answers its id (base64url, 256 random bits). */
  open(): Promise<string> {
    return this.create(true);
  }

  /** True when `id` names a session that has not expired, been revoked or outlived its key. */
  async isLive(id: string): Promise<boolean> {
    return (await this.get(id)) !== null;
  }
}
