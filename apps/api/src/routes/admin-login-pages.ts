import { dashboardCss } from '../dashboard/dashboard-style.ts';
import { html, SafeHtml } from '../dashboard/html.ts';

const formCss = new SafeHtml(`form { display:grid; gap:10px; max-width:360px; }
input { padding:8px; border-radius:6px; border:1px solid var(--line); background:#0b0f18; color:var(--text); }
button { padding:8px; border-radius:6px; border:0; background:var(--accent); color:#0b0f18; font-weight:600; }`);

/** The sign-in form, with an error line when the last attempt failed or was throttled. */
export const loginForm = (error: string | null): SafeHtml =>
  html`<h2>Admin sign-in</h2>${error ? html`<p class="badge bad">${error}</p>` : ''}
<form method="post" action="/admin/login"><label>Admin key
<input type="password" name="key" autocomplete="current-password" required autofocus></label>
<button type="submit">Sign in</button></form>`;

/** A button that posts the sign-out: `GET /admin/logout` itself changes nothing. */
export const logoutForm = (): SafeHtml =>
  html`<h2>Sign out</h2><form method="post" action="/admin/logout">
<button type="submit">Sign out of Nightshift admin</button></form>`;

/**
 * A small admin page (sign-in, sign-out) in the dashboard's look. Its one `<style>` element
 * carries the response's CSP nonce; the page runs no script.
 *
 * @example
 * c.html(adminPage({ title: 'sign in', body: loginForm(null), styleNonce: styleNonce(c) }).toString());
 */
export function adminPage(page: { title: string; body: SafeHtml; styleNonce: string }): SafeHtml {
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Nightshift · ${page.title}</title>
<style nonce="${page.styleNonce}">${dashboardCss}${formCss}</style></head>
<body><header><h1><span class="moon">☾</span> Nightshift</h1></header><main><section>
${page.body}</section></main></body></html>`;
}
