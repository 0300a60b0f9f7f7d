import type { BatchObject } from '@nightshift/core';
import { percent, relativeTime } from './dashboard-format.ts';
import { dashboardCss } from './dashboard-style.ts';
import { html, SafeHtml } from './html.ts';

const formCss = new SafeHtml(`form.sign-in { display:grid; gap:10px; max-width:420px; }
form.sign-in input { padding:8px; border-radius:6px; border:1px solid var(--line); background:#0b0f18; color:var(--text); }
form.sign-in button { padding:8px; border-radius:6px; border:0; background:var(--accent); color:#0b0f18; font-weight:600; }
.status-completed { color:var(--ok); } .status-failed, .status-expired { color:var(--bad); }
.status-completed_with_errors { color:var(--warn); } .status-cancelled { color:var(--muted); }
.pager { margin-top:10px; }`);

/** Options of {@link tenantPage}. */
export interface TenantPageOptions {
  title: string;
  body: SafeHtml;
  /** The CSP nonce of this response (the page's one `<style>` element). */
  styleNonce: string;
  /** Signed in: the header names the tenant and offers sign-out with the session's CSRF token. */
  signedIn?: { tenant: string; csrf: string };
}

/**
 * A page of the tenant area in the dashboard's look: one nonce'd `<style>`, no script.
 *
 * @example
 * c.html(tenantPage({ title: 'sign in', body: tenantLoginForm({ csrf, error: null }), styleNonce }).toString());
 */
export function tenantPage(page: TenantPageOptions): SafeHtml {
  const nav = page.signedIn
    ? html`<nav><span class="muted">signed in as <strong class="tenant-name">${page.signedIn.tenant}</strong></span>
<form method="post" action="/tenant/logout"><input type="hidden" name="csrf" value="${page.signedIn.csrf}">
<button type="submit">Sign out</button></form></nav>`
    : '';
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Nightshift · ${page.title}</title>
<style nonce="${page.styleNonce}">${dashboardCss}${formCss}</style></head>
<body><header><h1><span class="moon">☾</span> Nightshift</h1><span class="muted">your batches</span>${nav}</header>
<main>${page.body}</main></body></html>`;
}

/** The sign-in form: the API key once, with the sign-in's CSRF token. */
export const tenantLoginForm = (form: { csrf: string; error: string | null }): SafeHtml =>
  html`<section><h2>Sign in with your API key</h2>${form.error ? html`<p class="badge bad" role="alert">${form.error}</p>` : ''}
<form class="sign-in" method="post" action="/tenant/login"><input type="hidden" name="csrf" value="${form.csrf}">
<label>API key <input type="password" name="key" autocomplete="current-password" required autofocus maxlength="512"></label>
<button type="submit">Sign in</button></form>
<p class="muted">The key is the one you send as <code>Authorization: Bearer …</code>; it is checked once and never stored in your browser.</p></section>`;

/** A 4xx answer as a page: what was wrong and where to go next. */
export const tenantErrorBody = (error: { title: string; detail: string }): SafeHtml =>
  html`<section><h2>${error.title}</h2><p role="alert">${error.detail}</p>
<p><a href="/tenant">Back to your batches</a></p></section>`;

/** The tenant's batches, newest first, with progress and a results download each. */
export function batchListBody(
  list: { data: BatchObject[]; hasMore: boolean },
  now: Date,
): SafeHtml {
  if (list.data.length === 0) {
    return html`<section id="batches"><h2>Batches</h2><p class="empty">No batches yet. Submit one with <code>POST /v1/batches</code>.</p></section>`;
  }
  const last = list.data.at(-1)?.id;
  return html`<section id="batches"><h2>Batches</h2><table>
<thead><tr><th>batch</th><th>created</th><th>status</th><th>progress</th><th class="num">done</th>
<th class="num">failed</th><th class="num">tokens</th><th class="num">GPU time</th><th class="num">energy</th><th>results</th></tr></thead><tbody>
${list.data.map((batch) => {
  const { counts } = batch;
  const done = counts.succeeded + counts.failed + counts.cancelled + counts.expired;
  const tokens = batch.usage.promptTokens + batch.usage.completionTokens;
  return html`<tr data-batch="${batch.id}"><td><code>${batch.id}</code>${
    batch.metadata.source ? html`<br><span class="muted">${batch.metadata.source}</span>` : ''
  }</td>
<td class="muted">${relativeTime(new Date(batch.createdAt), now)}</td>
<td class="status status-${batch.status}">${batch.status}</td>
<td><div class="bar"><span class="w-${percent(done, counts.total)}"></span></div></td>
<td class="num progress">${done} / ${counts.total}</td><td class="num">${counts.failed}</td>
<td class="num">${tokens.toLocaleString('en-US')}</td>
<td class="num gpu-time">${gpuTime(batch.usage.gpuSeconds)}</td>
<td class="num energy">${energy(batch.usage.energyWh)}</td>
<td><a class="download" href="/tenant/batches/${batch.id}/results" download="${batch.id}.ndjson">NDJSON</a></td></tr>`;
})}
</tbody></table>${
    list.hasMore && last
      ? html`<p class="pager"><a href="/tenant?after=${last}">Older batches →</a></p>`
      : ''
  }</section>`;
}

/** GPU seconds as the page shows them: `42 s`, `12.5 min`, `3.2 h`. */
export function gpuTime(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  if (seconds < 3600) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** Energy as the page shows it (`—` where no server measures it): `850 Wh`, `3.4 kWh`. */
export function energy(wh: number | null): string {
  if (wh === null) return '—';
  if (wh < 1000) return `${wh.toFixed(wh < 10 ? 2 : 0)} Wh`;
  return `${(wh / 1000).toFixed(1)} kWh`;
}
