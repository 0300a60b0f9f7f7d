import {
  type ApiKeyStore,
  InvalidApiKeyInput,
  type TenantQuota,
  type TenantQuotaStore,
  tenantNamePattern,
} from '@nightshift/tenants';
import { Hono } from 'hono';
import { z } from 'zod';
import { idParam } from '../middleware/id-param.ts';
import { isJsonContentType } from '../middleware/json-bodies-only.ts';
import { ProblemError, problem, validationProblem } from '../problem.ts';

/** Options of {@link adminKeyRoutes}. */
export interface AdminKeyRoutesOptions {
  keys: ApiKeyStore;
  quotas: TenantQuotaStore;
  /** The configured quotas, which per-tenant overrides replace field by field. */
  defaults: Required<TenantQuota>;
}

const createKeyBody = z.object({
  tenant: z.string().regex(tenantNamePattern, 'letters, digits, _ . - only; 1 to 64 characters'),
  name: z.string().max(100).nullish(),
});

const quotaBody = z
  .object({
    maxQueuedDocuments: z.number().int().positive().nullish(),
    maxBatchBytes: z.number().int().positive().nullish(),
    maxStoredFileBytes: z.number().int().positive().nullish(),
    maxStoredFiles: z.number().int().positive().nullish(),
  })
  .strict();

/** The body as JSON; only when declared so (a `text/plain` form post is never parsed). */
async function readJson(request: Request): Promise<unknown> {
  if (!isJsonContentType(request.headers.get('content-type') ?? undefined)) {
    throw new ProblemError(
      415,
      'unsupported-media-type',
      'Send the body as JSON, with Content-Type: application/json.',
    );
  }
  try {
    return await request.json();
  } catch {
    throw new ProblemError(400, 'malformed-json', 'The body is not valid JSON.');
  }
}

/**
 * The admin key API (mount behind `adminAuth`): `POST /keys` answers the new key once,
 * `GET /keys` lists keys without their secrets, `DELETE /keys/:id` revokes; per-tenant quota
 * overrides at `GET|PUT /tenants/:tenant/quota`.
 *
 * @example
 * app.route('/admin', adminKeyRoutes({ keys, quotas, defaults }));
 */
export function adminKeyRoutes(options: AdminKeyRoutesOptions) {
  const { keys, quotas } = options;
  const app = new Hono();

  app.post('/keys', async (c) => {
    const body = createKeyBody.safeParse(await readJson(c.req.raw));
    if (!body.success) throw validationProblem(body.error);
    try {
      const created = await keys.create({ tenant: body.data.tenant, name: body.data.name ?? null });
      c.header('location', `/admin/keys/${created.id}`);
      c.header('cache-control', 'no-store');
      return c.json(created, 201);
    } catch (error) {
      if (!(error instanceof InvalidApiKeyInput)) throw error;
      throw new ProblemError(422, 'validation-error', `${error.field}: ${error.message}`, {
        errors: [{ field: error.field, message: error.message }],
      });
    }
  });

  app.get('/keys', async (c) => {
    const tenant = c.req.query('tenant');
    return c.json({ object: 'list', data: await keys.list(tenant || undefined) });
  });

  const validKeyId = idParam({
    name: 'id',
    kind: 'apiKey',
    notFound: (c, id) => problem(c, 404, 'key-not-found', `No live API key '${id}'.`),
  });
  app.delete('/keys/:id', validKeyId, async (c) => {
    const id = c.req.param('id');
    if (await keys.revoke(id)) return c.body(null, 204);
    return problem(c, 404, 'key-not-found', `No live API key '${id}'.`);
  });

  const quotaView = async (tenant: string) => {
    const overrides = await quotas.get(tenant);
    return { tenant, overrides, effective: { ...options.defaults, ...overrides } };
  };

  const validTenant = idParam({
    name: 'tenant',
    kind: 'tenant',
    notFound: (c, tenant) => problem(c, 404, 'tenant-not-found', `No tenant '${tenant}'.`),
  });
  app.get('/tenants/:tenant/quota', validTenant, async (c) =>
    c.json(await quotaView(c.req.param('tenant'))),
  );

  app.put('/tenants/:tenant/quota', validTenant, async (c) => {
    const tenant = c.req.param('tenant');
    const body = quotaBody.safeParse(await readJson(c.req.raw));
    if (!body.success) throw validationProblem(body.error);
    const quota: TenantQuota = {};
    for (const [field, value] of Object.entries(body.data))
      if (value) quota[field as keyof TenantQuota] = value;
    await quotas.set(tenant, quota);
    return c.json(await quotaView(tenant));
  });

  return app;
}
