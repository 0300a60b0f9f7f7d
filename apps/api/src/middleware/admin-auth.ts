import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { problem } from '../problem.ts';

/** Name of the cookie a browser session carries after `/admin/login`. */
export const adminCookieName = 'nightshift_admin';

/** Options of {@link adminAuth}. */
export interface AdminAuthOptions {
  /** `NIGHTSHIFT_ADMIN_KEY`. */
  adminKey: string;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * The value of the admin session cookie: an HMAC keyed by the admin key, so the cookie never
 * holds the key itself and every session ends when the key is rotated.
 */
export function adminSessionToken(adminKey: string): string {
  return createHmac('sha256', adminKey).update('nightshift-admin-session-v1').digest('base64url');
}

/** True when `presented` is the admin key (or its session token); constant time either way. */
export function isAdminCredential(adminKey: string, presented: string, kind: 'key' | 'session') {
  const expected = kind === 'key' ? adminKey : adminSessionToken(adminKey);
  return timingSafeEqual(digest(expected), digest(presented));
}

/** The admin credential a request carries: a Bearer key, else the session cookie. */
function presentedCredential(c: Context): { value: string; kind: 'key' | 'session' } | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
  if (match) return { value: match[1] as string, kind: 'key' };
  const cookie = getCookie(c, adminCookieName);
  return cookie ? { value: cookie, kind: 'session' } : null;
}

/**
 * Guards `/admin/*`: `Authorization: Bearer <NIGHTSHIFT_ADMIN_KEY>`, or the session cookie set by
 * `/admin/login` for browsers. A browser asking for a page without either is sent to the login
 * form; anything else gets a 401 problem.
 *
 * @example
 * app.use('/admin/*', adminAuth({ adminKey: config.NIGHTSHIFT_ADMIN_KEY }));
 */
export function adminAuth(options: AdminAuthOptions): MiddlewareHandler {
  return async (c, next) => {
    const presented = presentedCredential(c);
    if (presented && isAdminCredential(options.adminKey, presented.value, presented.kind)) {
      return next();
    }
    const wantsPage =
      c.req.method === 'GET' && (c.req.header('accept') ?? '').includes('text/html');
    if (wantsPage && !presented) return c.redirect('/admin/login', 303);
    return problem(
      c,
      401,
      'admin-unauthorized',
      'Send Authorization: Bearer <NIGHTSHIFT_ADMIN_KEY>, or sign in at /admin/login.',
      {},
      { 'www-authenticate': 'Bearer realm="nightshift-admin"' },
    );
  };
}
