import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { problem } from '../problem.ts';
import { type AdminLoginThrottle, clientAddress } from './admin-login-throttle.ts';
import { checkSameOrigin, crossOriginProblem, isUnsafeMethod } from './admin-origin.ts';
import type { AdminSessionStore } from './admin-sessions.ts';

/** Name of the cookie a browser session carries after `/admin/login`. */
export const adminCookieName = 'nightshift_admin';

/** Options of {@link adminAuth}. */
export interface AdminAuthOptions {
  /** `NIGHTSHIFT_ADMIN_KEY`. */
  adminKey: string;
  /** Where browser sessions (the cookie's ids) live. */
  sessions: AdminSessionStore;
  /** Counts wrong Bearer keys, and refuses attempts while too many failed. */
  throttle: AdminLoginThrottle;
  /** `NIGHTSHIFT_ADMIN_ORIGINS`: origins besides the API's own that may change state by cookie. */
  allowedOrigins: readonly string[];
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** True when `presented` is the admin key; constant time whatever its length. */
export function isAdminKey(adminKey: string, presented: string): boolean {
  return timingSafeEqual(digest(adminKey), digest(presented));
}

/** The 429 problem for an address (or everyone) that failed too often. */
export function tooManyFailuresProblem(c: Context, retryAfterS: number): Response {
  return problem(
    c,
    429,
    'admin-login-throttled',
    `Too many failed admin sign-ins; retry in ${retryAfterS} s.`,
    {},
    { 'retry-after': String(retryAfterS) },
  );
}

const bearerKey = (c: Context) =>
  /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1];

/**
 * Guards `/admin/*`. Two ways in:
 * - `Authorization: Bearer <NIGHTSHIFT_ADMIN_KEY>` (scripts, curl). A page on another origin
 *   cannot attach it, so these requests need no CSRF check; wrong keys count against the
 *   sign-in throttle (429 + `Retry-After` past it).
 * - the session cookie of `/admin/login` (browsers): the session must be live in Redis, and a
 *   state-changing request must come from an admin page ({@link checkSameOrigin}), else 403:
 *   SameSite=Strict alone lets every other port of the same host forge requests.
 * A browser asking for a page without a live session is sent to the sign-in form; anything
 * else gets a 401 problem.
 *
 * @example
 * app.use('/admin/*', adminAuth({ adminKey, sessions, throttle, allowedOrigins: [] }));
 */
export function adminAuth(options: AdminAuthOptions): MiddlewareHandler {
  return async (c, next) => {
    const key = bearerKey(c);
    if (key !== undefined) {
      const address = clientAddress(c);
      const refusal = await options.throttle.refusal(address);
      if (refusal) return tooManyFailuresProblem(c, refusal.retryAfterS);
      if (isAdminKey(options.adminKey, key)) return next();
      await options.throttle.fail(address);
      return unauthorized(c);
    }
    const session = getCookie(c, adminCookieName);
    if (session && (await options.sessions.isLive(session))) {
      if (isUnsafeMethod(c.req.method)) {
        const origin = checkSameOrigin(c, options);
        if (!origin.ok) return crossOriginProblem(c, origin.detail);
      }
      return next();
    }
    const wantsPage =
      c.req.method === 'GET' && (c.req.header('accept') ?? '').includes('text/html');
    if (wantsPage) return c.redirect('/admin/login', 303);
    return unauthorized(c);
  };
}

function unauthorized(c: Context): Response {
  return problem(
    c,
    401,
    'admin-unauthorized',
    'Send Authorization: Bearer <NIGHTSHIFT_ADMIN_KEY>, or sign in at /admin/login.',
    {},
    { 'www-authenticate': 'Bearer realm="nightshift-admin"' },
  );
}
