import { PriceStore } from '@nightshift/price-windows';
import { AdminLoginThrottle } from '../middleware/admin-login-throttle.ts';
import { TenantSessionStore } from '../middleware/tenant-sessions.ts';
import { adminRoutes } from '../routes/admin.ts';
import { keyHashResolver, tenantPageRoutes } from '../routes/tenant-page.ts';
import type { RouteGroup } from './route-group.ts';

/** `/admin`: a plain Hono app (out of the OpenAPI document), only with an admin key. */
export const adminGroup: RouteGroup = {
  name: 'admin',
  mount: (app, { deps, config, managedKeys, quotas, quotaDefaults }) => {
    if (!config.NIGHTSHIFT_ADMIN_KEY) return;
    app.route(
      '/admin',
      adminRoutes({
        adminKey: config.NIGHTSHIFT_ADMIN_KEY,
        redis: deps.redis,
        keys: managedKeys,
        quotas,
        quotaDefaults,
        store: deps.store,
        fleet: deps.fleet,
        deliveries: deps.webhooks.deliveries,
        staticTenants: config.NIGHTSHIFT_API_KEYS.map((k) => k.tenant),
        security: {
          sessionTtlS: config.NIGHTSHIFT_ADMIN_SESSION_TTL_S,
          cookieSecure: config.NIGHTSHIFT_ADMIN_COOKIE_SECURE,
          allowedOrigins: config.NIGHTSHIFT_ADMIN_ORIGINS,
          loginFailuresPerMin: config.NIGHTSHIFT_ADMIN_LOGIN_FAILURES_PER_MIN,
          loginFailuresGlobalPerMin: config.NIGHTSHIFT_ADMIN_LOGIN_FAILURES_GLOBAL_PER_MIN,
        },
        ...(deps.queueErrors ? { onQueueError: deps.queueErrors('admin dashboard') } : {}),
        ...(deps.nightShift ? { nightShift: deps.nightShift } : {}),
        ...(config.NIGHTSHIFT_PRICE_SOURCE
          ? { pricePlans: new PriceStore({ redis: deps.redis }) }
          : {}),
        plots: {
          windowSpec: config.NIGHTSHIFT_COLD_WINDOWS,
          timeZone: config.NIGHTSHIFT_TZ,
          vramMaxUsedPct: config.NIGHTSHIFT_VRAM_MAX_USED_PCT,
        },
      }),
    );
  },
};

/** `/tenant`: a tenant's own page, signed in with one of its API keys. */
export const tenantPageGroup: RouteGroup = {
  name: 'tenant page',
  mount: (app, { deps, config, managedKeys }) => {
    app.route(
      '/tenant',
      tenantPageRoutes({
        store: deps.store,
        sessions: new TenantSessionStore({
          redis: deps.redis,
          ttlS: config.NIGHTSHIFT_TENANT_SESSION_TTL_S,
        }),
        throttle: new AdminLoginThrottle({
          redis: deps.redis,
          bucket: 'tenant-login-failures',
          perAddressPerMin: config.NIGHTSHIFT_TENANT_LOGIN_FAILURES_PER_MIN,
          globalPerMin: config.NIGHTSHIFT_TENANT_LOGIN_FAILURES_GLOBAL_PER_MIN,
        }),
        tenantOfKeyHash: keyHashResolver(config.NIGHTSHIFT_API_KEYS, managedKeys),
        allowedOrigins: config.NIGHTSHIFT_ADMIN_ORIGINS,
        cookieSecure: config.NIGHTSHIFT_ADMIN_COOKIE_SECURE,
      }),
    );
  },
};
