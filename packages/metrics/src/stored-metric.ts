import type { Redis } from 'ioredis';
import type { MetricDefinition } from './metric-definitions.ts';
import { metricKey } from './metrics-recorder.ts';

/** One exposition line's data, as prom-client's registry formats it. */
export interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  /** Set for histogram lines (`_bucket`, `_sum`, `_count`). */
  metricName?: string;
}

/** The shape prom-client's `Registry` asks of a metric: its name, and `get()` at scrape time. */
export interface CollectableMetric {
  name: string;
  help: string;
  type: string;
  aggregator: 'sum';
  get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: 'sum';
    values: MetricValue[];
  }>;
}

/**
 * A metric whose series live in Redis (written by {@link MetricsRecorder} in any process),
 * read fresh at every scrape.
 *
 * @example
 * registry.registerMetric(storedMetric(redis, nightshiftMetrics.tokens) as unknown as Metric);
 */
export function storedMetric(redis: Redis, definition: MetricDefinition): CollectableMetric {
  const { name, help, type } = definition;
  return {
    name,
    help,
    type,
    aggregator: 'sum',
    async get() {
      const hash = await redis.hgetall(metricKey(definition));
      const values =
        type === 'histogram'
          ? histogramValues(definition, hash)
          : type === 'gauge'
            ? await gaugeValues(redis, definition, hash)
            : counterValues(definition, hash);
      return { name, help, type, aggregator: 'sum', values };
    },
  };
}

function labelsOf(definition: MetricDefinition, field: string): Record<string, string> {
  const values = JSON.parse(field) as string[];
  return Object.fromEntries(definition.labels.map((label, i) => [label, values[i] ?? '']));
}

function counterValues(definition: MetricDefinition, hash: Record<string, string>): MetricValue[] {
  return Object.entries(hash)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([field, value]) => ({ labels: labelsOf(definition, field), value: Number(value) }));
}

async function gaugeValues(
  redis: Redis,
  definition: MetricDefinition,
  hash: Record<string, string>,
): Promise<MetricValue[]> {
  const now = Date.now();
  const values: MetricValue[] = [];
  const stale: string[] = [];
  for (const [field, raw] of Object.entries(hash).sort(([a], [b]) => a.localeCompare(b))) {
    const [value, until] = raw.split('|').map(Number);
    if (until !== undefined && until < now) stale.push(field);
    else values.push({ labels: labelsOf(definition, field), value: value ?? 0 });
  }
  if (stale.length > 0) await redis.hdel(metricKey(definition), ...stale);
  return values;
}

function histogramValues(
  definition: MetricDefinition,
  hash: Record<string, string>,
): MetricValue[] {
  const buckets = definition.buckets ?? [];
  const series = new Map<string, { counts: number[]; inf: number; sum: number; count: number }>();
  for (const [key, raw] of Object.entries(hash)) {
    const split = key.indexOf('|');
    const part = key.slice(0, split);
    const field = key.slice(split + 1);
    let entry = series.get(field);
    if (!entry) {
      entry = { counts: buckets.map(() => 0), inf: 0, sum: 0, count: 0 };
      series.set(field, entry);
    }
    const value = Number(raw);
    if (part === 'sum') entry.sum = value;
    else if (part === 'count') entry.count = value;
    else if (part === 'inf') entry.inf = value;
    else entry.counts[Number(part.slice(1))] = value;
  }
  const values: MetricValue[] = [];
  for (const [field, entry] of [...series].sort(([a], [b]) => a.localeCompare(b))) {
    const labels = labelsOf(definition, field);
    let cumulative = 0;
    buckets.forEach((bound, i) => {
      cumulative += entry.counts[i] ?? 0;
      values.push({
        metricName: `${definition.name}_bucket`,
        labels: { ...labels, le: bound },
        value: cumulative,
      });
    });
    values.push({
      metricName: `${definition.name}_bucket`,
      labels: { ...labels, le: '+Inf' },
      value: entry.count,
    });
    values.push({ metricName: `${definition.name}_sum`, labels, value: entry.sum });
    values.push({ metricName: `${definition.name}_count`, labels, value: entry.count });
  }
  return values;
}
