import type { Context, MiddlewareHandler } from 'hono';
import { NONCE, secureHeaders } from 'hono/secure-headers';

/**
 * Headers every API response carries (cheap, and the JSON answers need no more): `nosniff`,
 * no framing, and `Referrer-Policy: same-origin`. Not `no-referrer`: under it browsers send
 * `Origin: null` on the admin pages' own form posts and fetches, which the admin CSRF check
 * (rightly) refuses. HSTS is left to the TLS proxy in front: the API itself speaks plain HTTP.
 */
export const apiSecurityHeaders = (): MiddlewareHandler =>
  secureHeaders({
    xContentTypeOptions: true,
    xFrameOptions: 'DENY',
    referrerPolicy: 'same-origin',
    strictTransportSecurity: false,
    crossOriginResourcePolicy: false,
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
  });

/** Only the CSP: the rest comes from {@link apiSecurityHeaders}. */
const cspOnly = {
  crossOriginResourcePolicy: false,
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  referrerPolicy: false,
  strictTransportSecurity: false,
  xContentTypeOptions: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xFrameOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
} as const;

/**
 * The CSP of Nightshift's own admin pages (dashboard, sign-in, sign-out): no script at all,
 * the one `<style>` element allowed by a per-response nonce (read it with
 * {@link styleNonce}), forms post only here, nothing may frame them. Set on every `/admin`
 * response that has no CSP of its own yet (Bull Board sets its own).
 *
 * @example
 * app.use('*', adminPageSecurity());
 * app.get('/', (c) => c.html(renderDashboard(data, { styleNonce: styleNonce(c) })));
 */
export const adminPageSecurity = (): MiddlewareHandler =>
  secureHeaders({
    ...cspOnly,
    overwrite: false,
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      styleSrc: [NONCE],
      imgSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
    },
  });

/**
 * Bull Board's CSP. Its scripts, styles, fonts and API are all served from here, so `'self'`
 * holds everything; styles also need `'unsafe-inline'`, unavoidably: its page ships `style`
 * attributes and a `<style>` element, and its bundle adds `<style>` elements at run time (theme
 * overrides, the job-data editor), none of which a nonce or hash can cover. Scripts stay
 * `'self'` only, which is what stops injected markup from running.
 */
export const bullBoardSecurity = (): MiddlewareHandler =>
  secureHeaders({
    ...cspOnly,
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  });

/** The nonce {@link adminPageSecurity} allowed for this response's `<style>` element. */
export function styleNonce(c: Context): string {
  const nonce = c.get('secureHeadersNonce');
  if (!nonce) throw new Error('adminPageSecurity() must run before the page is rendered');
  return nonce;
}
