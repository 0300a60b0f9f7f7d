import type { BatchStore } from '@nightshift/batches';
import type { FleetRegistry } from '@nightshift/fleet';
import type { ApiKeyStore, TenantQuota, TenantQuotaStore } from '@nightshift/tenants';
import type { DeliveryLog } from '@nightshift/webhooks';
import { Hono } from 'hono';
import type { Redis } from 'ioredis';
import type { NightShiftSource } from '../dashboard/night-shift-data.ts';
import { adminPageSecurity } from '../dashboard/page-security.ts';
import { adminAuth } from '../middleware/admin-auth.ts';
import { AdminLoginThrottle } from '../middleware/admin-login-throttle.ts';
import { AdminSessionStore } from '../middleware/admin-sessions.ts';
import {
  type AdminDashboardRoutesOptions,
  type AdminPlotSettings,
  adminDashboardRoutes,
} from './admin-dashboard.ts';
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
  /** Sessions, CSRF and sign-in throttle settings (the `NIGHTSHIFT_ADMIN_*` variables). */
  security: AdminSecurityOptions;
  /** Cold windows, time zone and VRAM threshold for the dashboard's plots. */
  plots?: AdminPlotSettings;
  /** Hears the dashboard's queue handles' errors (a Redis outage). */
  onQueueError?: (error: Error) => void;
  /** The accounting behind the dashboard's night shift panel and `GET /admin/night-shift`. */
  nightShift?: NightShiftSource;
  /** The price plan's store (a price source configured): the dashboard's "Price plan". */
  pricePlans?: AdminDashboardRoutesOptions['pricePlans'];
}

/** The admin security settings, from the `NIGHTSHIFT_ADMIN_*` variables. */
export interface AdminSecurityOptions {
  /** `NIGHTSHIFT_ADMIN_SESSION_TTL_S`. */
  sessionTtlS: number;
  /** `NIGHTSHIFT_ADMIN_COOKIE_SECURE`. */
  cookieSecure: 'auto' | 'true' | 'false';
  /** `NIGHTSHIFT_ADMIN_ORIGINS`. */
  allowedOrigins: readonly string[];
  /** `NIGHTSHIFT_ADMIN_LOGIN_FAILURES_PER_MIN`. */
  loginFailuresPerMin: number;
  /** `NIGHTSHIFT_ADMIN_LOGIN_FAILURES_GLOBAL_PER_MIN`. */
  loginFailuresGlobalPerMin: number;
}

/**
 * Everything under `/admin`: sign-in (open), then behind the admin key the key API, quota
 * overrides, the dashboard and Bull Board. Mount it only when `NIGHTSHIFT_ADMIN_KEY` is set:
 * without it the paths answer 404. Every answer carries the admin pages' CSP unless it has its
 * own (Bull Board).
 *
 * @example
 * if (config.NIGHTSHIFT_ADMIN_KEY) app.route('/admin', adminRoutes({ adminKey, ... }));
 */
export function adminRoutes(options: AdminRoutesOptions) {
  const { adminKey, security } = options;
  const sessions = new AdminSessionStore({
    redis: options.redis,
    adminKey,
    ttlS: security.sessionTtlS,
  });
  const throttle = new AdminLoginThrottle({
    redis: options.redis,
    perAddressPerMin: security.loginFailuresPerMin,
    globalPerMin: security.loginFailuresGlobalPerMin,
  });
  const { allowedOrigins } = security;
  const app = new Hono();
  app.use('*', adminPageSecurity());
  app.route(
    '/',
    adminLoginRoutes({
      adminKey,
      sessions,
      throttle,
      allowedOrigins,
      cookieSecure: security.cookieSecure,
    }),
  );
  const guard = adminAuth({ adminKey, sessions, throttle, allowedOrigins });
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
      ...(options.plots ? { plots: options.plots } : {}),
      ...(options.onQueueError ? { onQueueError: options.onQueueError } : {}),
      ...(options.nightShift ? { nightShift: options.nightShift } : {}),
      ...(options.pricePlans ? { pricePlans: options.pricePlans } : {}),
      tenants: async () => [
        ...new Set([...options.staticTenants, ...(await options.keys.tenants())]),
      ],
    }),
  );
  return app;
}
