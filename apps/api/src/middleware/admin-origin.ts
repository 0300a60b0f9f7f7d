import type { Context } from 'hono';
import { problem } from '../problem.ts';

/** Methods that change state: the ones a forged cross-site request is after. */
export const isUnsafeMethod = (method: string) => !['GET', 'HEAD', 'OPTIONS'].includes(method);

/** `scheme://host[:port]` of a URL-ish string, normalised; null when it is not one. */
function originOf(value: string): string | null {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : null;
  } catch {
    return null;
  }
}

const firstValue = (header: string | undefined) => header?.split(',')[0]?.trim() || undefined;

/**
 * The origins this API answers as: the request's own (its Host over the socket's scheme), and
 * the same host as a TLS proxy in front saw it (`X-Forwarded-Proto: https`, `X-Forwarded-Host`).
 * Trusting the forwarded headers here opens nothing: a page on another origin cannot set them
 * without a CORS preflight, which this API never grants, and a form cannot set headers at all.
 */
export function ownOrigins(c: Context): string[] {
  const url = new URL(c.req.url);
  const proto = firstValue(c.req.header('x-forwarded-proto'))?.toLowerCase();
  const scheme = proto === 'http' || proto === 'https' ? proto : url.protocol.slice(0, -1);
  const host = firstValue(c.req.header('x-forwarded-host')) ?? url.host;
  const forwarded = originOf(`${scheme}://${host}`);
  return forwarded && forwarded !== url.origin ? [url.origin, forwarded] : [url.origin];
}

/** Options of {@link checkSameOrigin}. */
export interface SameOriginOptions {
  /** `NIGHTSHIFT_ADMIN_ORIGINS`: further origins allowed (a proxy's public one). */
  allowedOrigins: readonly string[];
}

/**
 * Whether a state-changing request comes from one of the API's own pages: its `Origin` must be
 * the API's own or an allowed one. A browser that sent no `Origin` (or `null`) still passes when
 * it says `Sec-Fetch-Site: same-origin`, a header pages cannot set; anything else is refused.
 * Clients that send neither (curl) use `Authorization: Bearer`, which needs no such check.
 */
export function checkSameOrigin(
  c: Context,
  options: SameOriginOptions,
): { ok: true } | { ok: false; detail: string } {
  const origin = c.req.header('origin');
  if (origin && origin !== 'null') {
    const normalised = originOf(origin);
    const allowed = [...ownOrigins(c), ...options.allowedOrigins.map(originOf)];
    if (normalised && allowed.includes(normalised)) return { ok: true };
    return {
      ok: false,
      detail: `Origin ${origin} may not change admin state; allowed: the API's own origin and NIGHTSHIFT_ADMIN_ORIGINS.`,
    };
  }
  if (c.req.header('sec-fetch-site') === 'same-origin') return { ok: true };
  return {
    ok: false,
    detail:
      'A state-changing admin request signed in by cookie must carry the Origin of an admin page (or use Authorization: Bearer).',
  };
}

/** The 403 problem for a request {@link checkSameOrigin} refused. */
export const crossOriginProblem = (c: Context, detail: string) =>
  problem(c, 403, 'admin-cross-origin', detail);
