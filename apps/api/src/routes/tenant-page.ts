import type { BatchStore } from '@nightshift/batches';
import { idSchemas } from '@nightshift/core';
import { hashApiKey } from '@nightshift/tenants';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { stream } from 'hono/streaming';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import type { SafeHtml } from '../dashboard/html.ts';
import { adminPageSecurity, styleNonce } from '../dashboard/page-security.ts';
import {
  batchListBody,
  tenantErrorBody,
  tenantLoginForm,
  tenantPage,
} from '../dashboard/tenant-page-view.ts';
import { type AdminLoginThrottle, clientAddress } from '../middleware/admin-login-throttle.ts';
import { checkSameOrigin, isUnsafeMethod } from '../middleware/admin-origin.ts';
import { idParam } from '../middleware/id-param.ts';
import { streamedBodyLimit } from '../middleware/streamed-body-limit.ts';
import {
  randomToken,
  sameToken,
  type TenantSession,
  type TenantSessionStore,
} from '../middleware/tenant-sessions.ts';
import { cameOverHttps } from './admin-login.ts';

/** Options of {@link tenantPageRoutes}. */
export interface TenantPageRoutesOptions {
  store: Pick<BatchStore, 'list' | 'getForTenant' | 'results'>;
  sessions: TenantSessionStore;
  /** Counts failed sign-ins per address and overall; refuses attempts (429) past them. */
  throttle: AdminLoginThrottle;
  /** The tenant of a working API key known by its hash; null once it no longer works. */
  tenantOfKeyHash: (hash: string) => Promise<string | null>;
  /** `NIGHTSHIFT_ADMIN_ORIGINS`: origins besides the API's own whose pages may post here. */
  allowedOrigins: readonly string[];
  /** `NIGHTSHIFT_ADMIN_COOKIE_SECURE`: `Secure` on the cookies always, never, or over HTTPS. */
  cookieSecure: 'auto' | 'true' | 'false';
  /** Batches per page. Default 25. */
  pageSize?: number;
}

/** The session cookie (path `/tenant`) and the sign-in form's CSRF cookie. */
export const tenantCookieName = 'nightshift_tenant';
const loginCookieName = 'nightshift_tenant_login';

type Env = { Variables: { session: TenantSession } };
const formMaxBytes = 4096;

const loginForm = z.object({
  key: z.string().trim().min(1, 'Enter your API key.').max(512, 'That is not an API key.'),
  csrf: z.string(),
});
const listQuery = z.object({ after: idSchemas.batch.optional() });

/**
 * The tenant's own page under `/tenant`: sign in with an API key (static or managed), then see
 * that tenant's batches (never another's) with progress and a results download (the NDJSON of
 * `GET /v1/batches/:id/results`). Sessions are HttpOnly, SameSite=Strict cookies holding a
 * random id; every POST must come from this site's pages (Origin) and carry a CSRF token (the
 * session's, or for sign-in a double-submit cookie); failed sign-ins are throttled like the
 * admin's. A session ends at sign-out, at its TTL, or as soon as its key is revoked. Bad input
 * gets a 4xx page that says what was wrong.
 *
 * @example
 * app.route('/tenant', tenantPageRoutes({ store, sessions, throttle, tenantOfKeyHash, allowedOrigins: [], cookieSecure: 'auto' }));
 */
export function tenantPageRoutes(options: TenantPageRoutesOptions) {
  const app = new Hono<Env>();
  const secure = (c: Context) =>
    options.cookieSecure === 'true' || (options.cookieSecure === 'auto' && cameOverHttps(c));
  const render = (
    c: Context,
    status: number,
    title: string,
    body: SafeHtml,
    signedIn?: TenantSession,
  ) => {
    c.header('cache-control', 'no-store');
    const page = tenantPage({
      title,
      body,
      styleNonce: styleNonce(c),
      ...(signedIn ? { signedIn } : {}),
    });
    return c.html(page.toString(), status as ContentfulStatusCode);
  };
  const refuse = (c: Context, status: number, title: string, detail: string) =>
    render(c, status, title, tenantErrorBody({ title, detail }), c.get('session'));
  const showLogin = (c: Context, status: number, error: string | null) => {
    const csrf = randomToken();
    setCookie(c, loginCookieName, csrf, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/tenant/login',
      secure: secure(c),
      maxAge: 3600,
    });
    return render(c, status, 'sign in', tenantLoginForm({ csrf, error }));
  };

  app.use('*', adminPageSecurity());
  // The page's forms carry a key and a token: a few hundred bytes, never a document.
  const formLimit = streamedBodyLimit({
    maxBytes: formMaxBytes,
    // A plain Response: the context may already hold the handler's failed answer here.
    onTooLarge: (c) => {
      const title = 'Form too large';
      const body = tenantErrorBody({
        title,
        detail: `A form posted here is at most ${formMaxBytes} bytes.`,
      });
      const page = tenantPage({ title, body, styleNonce: styleNonce(c) });
      return new Response(page.toString(), {
        status: 413,
        headers: { 'content-type': 'text/html; charset=UTF-8', 'cache-control': 'no-store' },
      });
    },
  });
  app.post('*', formLimit);

  app.get('/login', async (c) => {
    if (await liveSession(c)) return c.redirect('/tenant', 303);
    return showLogin(c, 200, null);
  });

  app.post('/login', async (c) => {
    const origin = checkSameOrigin(c, options);
    if (!origin.ok) return refuse(c, 403, 'Sign-in refused', origin.detail);
    const body = await c.req.parseBody().catch(() => null);
    const csrfCookie = getCookie(c, loginCookieName);
    if (!body || !csrfCookie || !sameToken(csrfCookie, body.csrf)) {
      return refuse(
        c,
        403,
        'Sign-in form expired',
        'The sign-in form was not this site’s, or it expired. Open /tenant/login and sign in again.',
      );
    }
    const address = clientAddress(c);
    const refusal = await options.throttle.refusal(address);
    if (refusal) {
      c.header('retry-after', String(refusal.retryAfterS));
      return showLogin(c, 429, `Too many failed sign-ins; try again in ${refusal.retryAfterS} s.`);
    }
    const form = loginForm.safeParse(body);
    if (!form.success) {
      return showLogin(c, 400, form.error.issues[0]?.message ?? 'Enter your API key.');
    }
    const keyHash = hashApiKey(form.data.key);
    const tenant = await options.tenantOfKeyHash(keyHash);
    if (!tenant) {
      await options.throttle.fail(address);
      return showLogin(c, 401, 'That API key is not valid.');
    }
    const previous = getCookie(c, tenantCookieName);
    if (previous) await options.sessions.revoke(previous);
    setCookie(c, tenantCookieName, await options.sessions.open({ tenant, keyHash }), {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/tenant',
      secure: secure(c),
      maxAge: options.sessions.ttlS,
    });
    deleteCookie(c, loginCookieName, { path: '/tenant/login' });
    return c.redirect('/tenant', 303);
  });

  /** The live session of this request, or null; ends sessions whose key stopped working. */
  async function liveSession(c: Context): Promise<TenantSession | null> {
    const id = getCookie(c, tenantCookieName);
    const session = await options.sessions.get(id);
    if (!session || !id) return null;
    if ((await options.tenantOfKeyHash(session.keyHash)) !== session.tenant) {
      await options.sessions.revoke(id);
      return null;
    }
    return session;
  }

  const signedIn: MiddlewareHandler<Env> = async (c, next) => {
    const session = await liveSession(c);
    if (!session) {
      if (c.req.method === 'GET') return c.redirect('/tenant/login', 303);
      return refuse(c, 401, 'Signed out', 'Your session ended. Sign in again at /tenant/login.');
    }
    c.set('session', session);
    if (isUnsafeMethod(c.req.method)) {
      const origin = checkSameOrigin(c, options);
      if (!origin.ok) return refuse(c, 403, 'Request refused', origin.detail);
      const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      if (!sameToken(session.csrf, body.csrf)) {
        return refuse(
          c,
          403,
          'Request refused',
          'The form did not carry this session’s CSRF token. Reload the page and try again.',
        );
      }
    }
    await next();
  };

  app.get('/', signedIn, async (c) => {
    const query = listQuery.safeParse(c.req.query());
    if (!query.success) {
      return refuse(c, 400, 'Bad page address', '`after` must be a batch id (batch_…).');
    }
    const { tenant } = c.get('session');
    const list = await options.store.list(tenant, {
      limit: options.pageSize ?? 25,
      after: query.data.after,
    });
    return render(c, 200, 'batches', batchListBody(list, new Date()), c.get('session'));
  });

  const notFound = (c: Context, id: string) =>
    refuse(c, 404, 'No such batch', `You have no batch ${id}.`);
  app.get(
    '/batches/:id/results',
    signedIn,
    idParam({ name: 'id', kind: 'batch', notFound }),
    async (c) => {
      const id = c.req.param('id');
      if (!(await options.store.getForTenant(c.get('session').tenant, id))) return notFound(c, id);
      c.header('content-type', 'application/x-ndjson');
      c.header('content-disposition', `attachment; filename="${id}.ndjson"`);
      c.header('cache-control', 'no-store');
      return stream(c, async (out) => {
        for await (const line of options.store.results(id)) {
          await out.write(`${JSON.stringify(line)}\n`);
        }
      });
    },
  );

  app.post('/logout', signedIn, async (c) => {
    const id = getCookie(c, tenantCookieName);
    if (id) await options.sessions.revoke(id);
    deleteCookie(c, tenantCookieName, { path: '/tenant' });
    return c.redirect('/tenant/login', 303);
  });

  app.all('*', (c) =>
    refuse(c, 404, 'Not found', `There is no page ${c.req.method} ${c.req.path}.`),
  );
  return app;
}

/** The tenant of a key hash among the static keys, else among the managed ones. */
export function keyHashResolver(
  staticKeys: readonly { tenant: string; key: string }[],
  managed: { resolveHash(hash: string): Promise<string | null> },
): (hash: string) => Promise<string | null> {
  const byHash = new Map(staticKeys.map(({ tenant, key }) => [hashApiKey(key), tenant]));
  return async (hash) => byHash.get(hash) ?? managed.resolveHash(hash);
}
