import { Hono } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { dashboardCss } from '../dashboard/dashboard-style.ts';
import { html, SafeHtml } from '../dashboard/html.ts';
import { adminCookieName, adminSessionToken, isAdminCredential } from '../middleware/admin-auth.ts';

/** Options of {@link adminLoginRoutes}. */
export interface AdminLoginRoutesOptions {
  /** `NIGHTSHIFT_ADMIN_KEY`. */
  adminKey: string;
  /** Mark the cookie `Secure` (behind TLS). Default false: the API itself speaks plain HTTP. */
  secureCookie?: boolean;
}

const loginCss = new SafeHtml(`form { display:grid; gap:10px; max-width:360px; }
input { padding:8px; border-radius:6px; border:1px solid var(--line); background:#0b0f18; color:var(--text); }
button { padding:8px; border-radius:6px; border:0; background:var(--accent); color:#0b0f18; font-weight:600; }`);

const loginPage = (error: string | null) =>
  html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Nightshift · sign in</title>
<style>${dashboardCss}${loginCss}</style></head>
<body><header><h1><span class="moon">☾</span> Nightshift</h1></header><main><section>
<h2>Admin sign-in</h2>${error ? html`<p class="badge bad">${error}</p>` : ''}
<form method="post" action="/admin/login"><label>Admin key
<input type="password" name="key" autocomplete="current-password" required autofocus></label>
<button type="submit">Sign in</button></form></section></main></body></html>`.toString();

/**
 * A browser sign-in for the admin pages: a form posts the admin key once and gets an HttpOnly,
 * SameSite=Strict cookie holding an HMAC of it (never the key). The key travels in the POST
 * body, not the URL, so it stays out of access logs and history.
 *
 * @example
 * app.route('/admin', adminLoginRoutes({ adminKey })); // before adminAuth
 */
export function adminLoginRoutes(options: AdminLoginRoutesOptions) {
  const app = new Hono();
  app.get('/login', (c) => c.html(loginPage(null)));
  app.post('/login', async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const key = typeof form.key === 'string' ? form.key : '';
    if (!key || !isAdminCredential(options.adminKey, key, 'key')) {
      return c.html(loginPage('That is not the admin key.'), 401);
    }
    setCookie(c, adminCookieName, adminSessionToken(options.adminKey), {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/admin',
      secure: options.secureCookie ?? false,
      maxAge: 12 * 3600,
    });
    return c.redirect('/admin', 303);
  });
  app.get('/logout', (c) => {
    deleteCookie(c, adminCookieName, { path: '/admin' });
    return c.redirect('/admin/login', 303);
  });
  return app;
}
