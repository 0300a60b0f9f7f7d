import type { BatchStore } from '@nightshift/batches';
import { keyPrefix, queueNames } from '@nightshift/core';
import type { FleetRegistry } from '@nightshift/fleet';
import { ActivitySeries } from '@nightshift/metrics';
import type { StoredPlan } from '@nightshift/price-windows';
import type { DeliveryLog } from '@nightshift/webhooks';
import { Queue } from 'bullmq';
import { Hono } from 'hono';
import type { Redis } from 'ioredis';
import { bullBoardApp } from '../dashboard/bull-board.ts';
import { collectDashboard } from '../dashboard/dashboard-data.ts';
import { renderDashboard } from '../dashboard/dashboard-page.ts';
import { type NightShiftSource, readNightShiftReport } from '../dashboard/night-shift-data.ts';
import { styleNonce } from '../dashboard/page-security.ts';
import { pricePlanView } from './price-plan-view.ts';

/** Options of {@link adminDashboardRoutes}. */
export interface AdminDashboardRoutesOptions {
  /** Client connection the dashboard's queue handles share (commands only). */
  redis: Redis;
  store: BatchStore;
  fleet: FleetRegistry;
  deliveries: DeliveryLog;
  /** Tenants whose failed deliveries to list. */
  tenants: () => Promise<string[]>;
  /** The windows, zone and VRAM threshold the plots shade and mark; no plots without them. */
  plots?: AdminPlotSettings;
  /** The accounting behind "What the night shift did" and `GET /night-shift`; neither without it. */
  nightShift?: NightShiftSource;
  /** The price plan's store, while a price source is configured: the "Price plan" section. */
  pricePlans?: { plan(): Promise<StoredPlan | null> };
  /** Where the routes are mounted. Default `/admin`. */
  mountPath?: string;
  /**
   * Hears the queue handles' errors (a Redis outage: `RedisOutageLog.listener`). Absent,
   * BullMQ prints each one with its stack.
   */
  onQueueError?: (error: Error) => void;
}

/** What the dashboard's plots need from the configuration. */
export interface AdminPlotSettings {
  /** `NIGHTSHIFT_COLD_WINDOWS`. */
  windowSpec: string;
  /** `NIGHTSHIFT_TZ`. */
  timeZone: string;
  /** `NIGHTSHIFT_VRAM_MAX_USED_PCT`. */
  vramMaxUsedPct: number;
}

/**
 * The control room (mount behind `adminAuth`): `GET /` is the Nightshift page (lanes, workers,
 * VRAM, the last 24 hours as plots, what the night shift did, batches in flight, failed
 * deliveries), `GET /night-shift` the night shift's figures as JSON, and `/queues` is Bull Board
 * over the hot, cold, batches and webhooks queues.
 *
 * @example
 * app.route('/admin', adminDashboardRoutes({ redis, store, fleet, deliveries, tenants }));
 */
export function adminDashboardRoutes(options: AdminDashboardRoutesOptions) {
  const lanes = [queueNames.hot, queueNames.cold, queueNames.batches, queueNames.webhooks];
  // The handles share the client connection, so they hold no sockets of their own.
  const queues = lanes.map(
    (name) => new Queue(name, { connection: options.redis, prefix: keyPrefix }),
  );
  const { onQueueError } = options;
  if (onQueueError) for (const queue of queues) queue.on('error', onQueueError);
  const series = new ActivitySeries({ redis: options.redis });
  const app = new Hono();
  const { nightShift, pricePlans } = options;
  app.get('/', async (c) => {
    const data = await collectDashboard({
      queues,
      fleet: options.fleet,
      store: options.store,
      deliveries: options.deliveries,
      tenants: options.tenants,
      ...(options.plots ? { activity: { series, ...options.plots } } : {}),
      ...(nightShift ? { nightShift: () => readNightShiftReport(nightShift, Date.now()) } : {}),
      ...(pricePlans
        ? { pricePlan: async () => pricePlanView(await pricePlans.plan(), new Date()) }
        : {}),
    });
    c.header('cache-control', 'no-store');
    return c.html(renderDashboard(data, { styleNonce: styleNonce(c) }).toString());
  });
  if (nightShift) {
    // The panel's figures as JSON, for scripts and reports.
    app.get('/night-shift', async (c) => {
      c.header('cache-control', 'no-store');
      return c.json(await readNightShiftReport(nightShift, Date.now()));
    });
  }
  const basePath = `${options.mountPath ?? '/admin'}/queues`;
  app.route('/queues', bullBoardApp({ queues, basePath }));
  return app;
}
