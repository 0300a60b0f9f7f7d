import type { BatchStore, DeliveryLog } from '@nightshift/batches';
import type { FleetRegistry } from '@nightshift/fleet';
import type { ApiKeyStore, TenantQuota, TenantQuotaStore } from '@nightshift/tenants';
import { Hono } from 'hono';
import type { Redis } from 'ioredis';
import { adminAuth } from '../middleware/admin-auth.ts';
import { adminDashboardRoutes } from './admin-dashboard.ts';
import { adminKeyRoutes } from './admin-keys.ts';
import { adminLoginRoutes } from './admin-login.ts';

/** Options of {@link adminRoutes}. */
export interface AdminRoutesOptions {
  /** `NIGHTSHIFT_ADMIN_KEY`. */
  adminKey: string;
  redis: Redis;
  keys: ApiKeyStore;
  quotas: TenantQuotaStore;
  /** Configured quotas that per-tenant overrides replace. */
  quotaDefaults: Required<TenantQuota>;
  store: BatchStore;
  fleet: FleetRegistry;
  deliveries: DeliveryLog;
  /** Tenants of `NIGHTSHIFT_API_KEYS` (managed keys' tenants are added). */
  staticTenants: string[];
}

/**
 * Everything under `/admin`: sign-in (open), then behind the admin key the key API, quota
 * overrides, the dashboard and Bull Board. Mount it only when `NIGHTSHIFT_ADMIN_KEY` is set:
 * without it the paths answer 404.
 *
 * @example
 * if (config.NIGHTSHIFT_ADMIN_KEY) app.route('/admin', adminRoutes({ adminKey, ... }));
 */
export function adminRoutes(options: AdminRoutesOptions) {
  const app = new Hono();
  app.route('/', adminLoginRoutes({ adminKey: options.adminKey }));
  const guard = adminAuth({ adminKey: options.adminKey });
  app.use('/', guard);
  app.use('/*', guard);
  app.route(
    '/',
    adminKeyRoutes({ keys: options.keys, quotas: options.quotas, defaults: options.quotaDefaults }),
  );
  app.route(
    '/',
    adminDashboardRoutes({
      redis: options.redis,
      store: options.store,
      fleet: options.fleet,
      deliveries: options.deliveries,
      tenants: async () => [
        ...new Set([...options.staticTenants, ...(await options.keys.tenants())]),
      ],
    }),
  );
  return app;
}
