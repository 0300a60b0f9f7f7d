import type { NightShiftReport } from '@nightshift/accounting';
import type { BatchStore } from '@nightshift/batches';
import type { BatchObject } from '@nightshift/core';
import type { FleetRegistry, WorkerStatus } from '@nightshift/fleet';
import type { Delivery, DeliveryLog } from '@nightshift/webhooks';
import type { Queue } from 'bullmq';
import type { PricePlanView } from '../routes/price-plan-view.ts';
import {
  type DashboardActivity,
  type DashboardActivitySource,
  readDashboardActivity,
} from './dashboard-plots.ts';

/** Jobs of one queue by state. */
export interface LaneDepth {
  name: string;
  /** Waiting to run (plain and prioritized). */
  waiting: number;
  delayed: number;
  active: number;
  failed: number;
  completed: number;
  /** Parents waiting for their children (the `batches` queue). */
  waitingChildren: number;
}

/** Everything the dashboard page shows, read in one go. */
export interface DashboardData {
  generatedAt: Date;
  lanes: LaneDepth[];
  workers: WorkerStatus[];
  batches: { tenant: string; batch: BatchObject }[];
  failedDeliveries: Delivery[];
  /** The last 24 hours of series, when the page has a source for them. */
  activity?: DashboardActivity;
  /** What the night shift did (7 days), when the page has the accounting. */
  nightShift?: NightShiftReport;
  /** The price plan (null: none made yet), when a price source is configured. */
  pricePlan?: PricePlanView | null;
}

/** Where the dashboard reads from. */
export interface DashboardSources {
  /** The BullMQ queues, by lane name. */
  queues: Queue[];
  fleet: FleetRegistry;
  store: BatchStore;
  deliveries: DeliveryLog;
  /** Tenants whose dead letters to show (static keys, managed keys). */
  tenants: () => Promise<string[]>;
  /** At most this many batches and failed deliveries. Default 50 and 25. */
  maxBatches?: number;
  maxDeliveries?: number;
  /** Dead letters older than this are left out. Default 7 days. */
  deliveriesSinceMs?: number;
  /** The series behind the "Last 24 hours" plots; no plots without it. */
  activity?: DashboardActivitySource;
  /** The "What the night shift did" report; no panel without it. */
  nightShift?: () => Promise<NightShiftReport>;
  /** The price plan as shown; no section without it. */
  pricePlan?: () => Promise<PricePlanView | null>;
}

/**
 * Reads lanes, workers, batches in flight and failed deliveries for the dashboard.
 *
 * @example
 * const data = await collectDashboard({ queues, fleet, store, deliveries, tenants });
 */
export async function collectDashboard(sources: DashboardSources): Promise<DashboardData> {
  const now = new Date();
  const [lanes, workers, open, activity, nightShift, pricePlan] = await Promise.all([
    Promise.all(sources.queues.map(laneDepth)),
    sources.fleet.list(),
    sources.store.openBatches(sources.maxBatches ?? 50),
    sources.activity ? readDashboardActivity(sources.activity, now) : undefined,
    sources.nightShift?.(),
    sources.pricePlan?.(),
  ]);
  const tenants = new Set([...(await sources.tenants()), ...open.map((b) => b.tenant)]);
  const since = new Date(now.getTime() - (sources.deliveriesSinceMs ?? 7 * 86_400_000));
  const ids = (
    await Promise.all([...tenants].map((t) => sources.deliveries.failedSince(t, since)))
  ).flat();
  const deliveries = (await Promise.all(ids.map((id) => sources.deliveries.get(id))))
    .filter((d): d is Delivery => d !== null && d.state === 'failed')
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
    .slice(0, sources.maxDeliveries ?? 25);
  return {
    generatedAt: now,
    lanes,
    workers: workers.sort((a, b) => a.id.localeCompare(b.id)),
    batches: open.map((b) => ({ tenant: b.tenant, batch: b.batch })),
    failedDeliveries: deliveries,
    ...(activity ? { activity } : {}),
    ...(nightShift ? { nightShift } : {}),
    ...(sources.pricePlan ? { pricePlan: pricePlan ?? null } : {}),
  };
}

async function laneDepth(queue: Queue): Promise<LaneDepth> {
  const counts = await queue.getJobCounts(
    'waiting',
    'prioritized',
    'delayed',
    'active',
    'failed',
    'completed',
    'waiting-children',
  );
  return {
    name: queue.name,
    waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
    delayed: counts.delayed ?? 0,
    active: counts.active ?? 0,
    failed: counts.failed ?? 0,
    completed: counts.completed ?? 0,
    waitingChildren: counts['waiting-children'] ?? 0,
  };
}
