export {
  ActivitySeries,
  type ActivitySeriesOptions,
  type ActivityWindow,
  activityBucketMs,
  activitySpanMs,
  type GpuUsage,
  type LaneThroughput,
  type SeriesDocument,
  type SeriesLane,
} from './activity-series.ts';
export { latencyBin, latencyBinBoundsMs, p95FromBins } from './latency-histogram.ts';
export {
  type MetricDefinition,
  nightshiftMetrics,
  queueDepthMetricName,
  type StoredMetricType,
} from './metric-definitions.ts';
export {
  type LabelValues,
  MetricsRecorder,
  type MetricsRecorderOptions,
} from './metrics-recorder.ts';
export {
  createMetricsRegistry,
  type MetricsRegistry,
  type MetricsRegistryOptions,
} from './metrics-registry.ts';
export { queueDepthStates } from './queue-depth.ts';
export {
  daysBetween,
  maxUsageDays,
  type UsageEntry,
  UsageLedger,
  type UsageLedgerOptions,
  type UsageQuery,
  utcDay,
} from './usage-ledger.ts';
export * from './usage-schemas.ts';
export {
  type FallbackAttempt,
  type FinishedDocument,
  WorkMeter,
  type WorkMeterOptions,
} from './work-meter.ts';
export {
  startWorkerGauges,
  type WorkerGaugeSnapshot,
  type WorkerGaugesOptions,
} from './worker-gauges.ts';
export { WriteBehind, type WriteBehindOptions } from './write-behind.ts';
