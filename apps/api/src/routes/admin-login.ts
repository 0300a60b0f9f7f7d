import { type Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { styleNonce } from '../dashboard/page-security.ts';
import { adminCookieName, isAdminKey } from '../middleware/admin-auth.ts';
import { type AdminLoginThrottle, clientAddress } from '../middleware/admin-login-throttle.ts';
import { checkSameOrigin, crossOriginProblem } from '../middleware/admin-origin.ts';
import type { AdminSessionStore } from '../middleware/admin-sessions.ts';
import { adminPage, loginForm, logoutForm } from './admin-login-pages.ts';

/** Options of {@link adminLoginRoutes}. */
export interface AdminLoginRoutesOptions {
  /** `NIGHTSHIFT_ADMIN_KEY`. */
  adminKey: string;
  /** Where sign-in opens sessions and sign-out revokes them. */
  sessions: AdminSessionStore;
  /** Counts failed sign-ins; refuses attempts (429) while too many failed. */
  throttle: AdminLoginThrottle;
  /** `NIGHTSHIFT_ADMIN_ORIGINS`: origins besides the API's own whose pages may post here. */
  allowedOrigins: readonly string[];
  /**
   * `NIGHTSHIFT_ADMIN_COOKIE_SECURE`: `Secure` on the cookie always, never, or (`auto`) when
   * the sign-in came over HTTPS, directly or through a proxy saying `X-Forwarded-Proto: https`.
   */
  cookieSecure: 'auto' | 'true' | 'false';
}

/** Whether the request came over HTTPS, directly or through a proxy saying so. */
export function cameOverHttps(c: Context): boolean {
  const proto = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  return new URL(c.req.url).protocol === 'https:' || proto === 'https';
}

/**
 * Browser sign-in and sign-out for the admin pages.
 * - `POST /login` posts the admin key once (in the body, so it stays out of URLs and logs)
 *   and gets an HttpOnly, SameSite=Strict cookie holding a fresh random session id (never the
 *   key). The post must come from an admin page (Origin check: no login CSRF), and failures
 *   count against the per-address and global sign-in throttle (429 + `Retry-After`).
 * - `POST /logout` revokes the session in Redis (the old cookie stops working everywhere) and
 *   clears the cookie; same Origin check. `GET /logout` only shows a button that posts it: a
 *   forged sign-out would merely annoy, but a link, an `<img>` or a prefetch must not change
 *   state, and every admin state change then follows the one rule (POST + Origin).
 *
 * @example
 * app.route('/admin', adminLoginRoutes({ adminKey, sessions, throttle, allowedOrigins, cookieSecure: 'auto' })); // before adminAuth
 */
export function adminLoginRoutes(options: AdminLoginRoutesOptions) {
  const app = new Hono();
  const page = (c: Context, title: string, body: ReturnType<typeof loginForm>, status = 200) =>
    c.html(
      adminPage({ title, body, styleNonce: styleNonce(c) }).toString(),
      status as ContentfulStatusCode,
    );

  app.get('/login', (c) => page(c, 'sign in', loginForm(null)));

  app.post('/login', async (c) => {
    const origin = checkSameOrigin(c, options);
    if (!origin.ok) return crossOriginProblem(c, origin.detail);
    const address = clientAddress(c);
    const refusal = await options.throttle.refusal(address);
    if (refusal) {
      c.header('retry-after', String(refusal.retryAfterS));
      const wait = `Too many failed sign-ins; try again in ${refusal.retryAfterS} s.`;
      return page(c, 'sign in', loginForm(wait), 429);
    }
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const key = typeof form.key === 'string' ? form.key : '';
    if (!key || !isAdminKey(options.adminKey, key)) {
      await options.throttle.fail(address);
      return page(c, 'sign in', loginForm('That is not the admin key.'), 401);
    }
    const previous = getCookie(c, adminCookieName);
    if (previous) await options.sessions.revoke(previous);
    setCookie(c, adminCookieName, await options.sessions.open(), {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/admin',
      secure:
        options.cookieSecure === 'true' || (options.cookieSecure === 'auto' && cameOverHttps(c)),
      maxAge: options.sessions.ttlS,
    });
    return c.redirect('/admin', 303);
  });

  app.get('/logout', (c) => page(c, 'sign out', logoutForm()));

  app.post('/logout', async (c) => {
    const origin = checkSameOrigin(c, options);
    if (!origin.ok) return crossOriginProblem(c, origin.detail);
    const session = getCookie(c, adminCookieName);
    if (session) await options.sessions.revoke(session);
    deleteCookie(c, adminCookieName, { path: '/admin' });
    return c.redirect('/admin/login', 303);
  });
  return app;
}
