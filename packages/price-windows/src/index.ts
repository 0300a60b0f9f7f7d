export { parseElectricityMaps } from './electricity-maps-format.ts';
export { parseEntsoePrices } from './entsoe-format.ts';
export {
  type HourlyValue,
  type HourlyValues,
  hourMs,
  mergeHourly,
  toHourly,
} from './hourly-values.ts';
export { PriceFormatError, parseNightshiftPrices } from './nightshift-format.ts';
export { plannedWindowState } from './plan-window.ts';
export { PlannedWindows, type PlannedWindowsOptions } from './planned-windows.ts';
export {
  type BatchAtRisk,
  type ColdHourPlan,
  type HourReason,
  type PlanInput,
  type PlannedHour,
  planColdHours,
  type QueuedBatch,
} from './planner.ts';
export {
  allowedShare,
  defaultThroughput,
  type MeasuredThroughput,
  type PlanningLog,
  PricePlanning,
  type PricePlanningOptions,
} from './price-planning.ts';
export {
  describePriceSource,
  type PriceSourceSpec,
  PriceSourceSpecError,
  PrivateSourceError,
  parsePriceSource,
  type ReadPriceSourceOptions,
  readPriceSource,
} from './price-source.ts';
export {
  type CachedValues,
  PriceStore,
  priceKeys,
  type StoredPlan,
  storedPlanSchema,
} from './price-store.ts';
export {
  type ActivityView,
  coldThroughput,
  type OpenBatchView,
  queuedBatches,
} from './queued-work.ts';
