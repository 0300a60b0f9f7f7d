import { keyPrefix } from '@nightshift/core';
import type { GpuMemory } from '@nightshift/gpu';
import type { Redis } from 'ioredis';
import { latencyBin, p95FromBins } from './latency-histogram.ts';
import { WriteBehind } from './write-behind.ts';

/** The lanes whose throughput is kept. */
export type SeriesLane = 'hot' | 'cold';
const lanes: readonly SeriesLane[] = ['hot', 'cold'];

/** Width of one point of every series: one minute. */
export const activityBucketMs = 60_000;
/** How far back {@link ActivitySeries.read} looks by default: 24 hours, 1440 points. */
export const activitySpanMs = 24 * 3_600_000;
const hourMs = 3_600_000;
/** An hour's hash lives this long after its last write: a day's plot plus an hour of slack. */
const retentionS = 25 * 3600;

/** Options of {@link ActivitySeries}. */
export interface ActivitySeriesOptions {
  /** A client connection (never a blocking one). */
  redis: Redis;
  /** Where increments go; default one that writes each at once (see {@link WriteBehind}). */
  writes?: WriteBehind;
  /**
   * At most one VRAM sample per GPU this often: workers publish their status several times a
   * second, and a minute's mean needs only a few of them. Default 10 s.
   */
  vramSampleMs?: number;
}

/** A finished document as the series count it. */
export interface SeriesDocument {
  lane: SeriesLane;
  outcome: 'succeeded' | 'failed';
  durationMs: number;
  promptTokens: number;
  completionTokens: number;
  /** When it finished; default now. */
  at?: Date;
}

/** One lane's throughput per point. */
export interface LaneThroughput {
  lane: SeriesLane;
  /** Documents finished (succeeded or failed) per second, the point's mean. */
  documentsPerS: number[];
  /** Prompt and completion tokens per second, the point's mean. */
  tokensPerS: number[];
}

/** One GPU's memory use per point. */
export interface GpuUsage {
  /** `<host>/<index>`: the same card read by two workers on one host is one series. */
  gpu: string;
  /** The mean share of memory in use; null where no reading arrived. */
  usedPct: (number | null)[];
  /** Card memory, from the latest reading. */
  totalMiB: number;
}

/** What {@link ActivitySeries.read} answers: equal-length arrays, oldest point first. */
export interface ActivityWindow {
  /** Start of the first point. */
  from: Date;
  /** End of the last point (the end of the current minute). */
  to: Date;
  bucketMs: number;
  lanes: LaneThroughput[];
  /** The hot lane's 95th percentile duration per point (ms); null where none finished. */
  hotP95Ms: (number | null)[];
  gpus: GpuUsage[];
}

const laneKey = (hour: number) => `${keyPrefix}:series:lanes:${hour}`;
const latencyKey = (hour: number) => `${keyPrefix}:series:hot-latency:${hour}`;
const vramKey = (hour: number) => `${keyPrefix}:series:vram:${hour}`;

/** The hour a moment falls in and its minute within that hour. */
function slot(at: number): { hour: number; minute: number } {
  return { hour: Math.floor(at / hourMs), minute: Math.floor((at % hourMs) / activityBucketMs) };
}

/**
 * Downsampled activity of the last day for the dashboard's plots: documents and tokens per
 * lane, the hot lane's latency (a small histogram per minute, so a p95 costs a few fields), and
 * each GPU's memory use. One Redis hash per kind and hour (`{nightshift}:series:<kind>:<hour>`,
 * fields `<minute>|…`) that expires 25 h after its last write; increments go through
 * {@link WriteBehind}, so a busy worker pays one transaction per flush for all of them.
 *
 * @example
 * const series = new ActivitySeries({ redis });
 * await series.documentFinished({ lane: 'hot', outcome: 'succeeded', durationMs: 4200, promptTokens: 900, completionTokens: 120 });
 * const day = await series.read(); // 1440 points per series
 */
export class ActivitySeries {
  readonly #redis: Redis;
  readonly #writes: WriteBehind;
  readonly #vramSampleMs: number;
  readonly #lastVramSample = new Map<string, number>();

  constructor(options: ActivitySeriesOptions) {
    this.#redis = options.redis;
    this.#writes = options.writes ?? new WriteBehind({ redis: options.redis });
    this.#vramSampleMs = options.vramSampleMs ?? 10_000;
  }

  /** Counts a finished document; a hot one that succeeded also adds its duration. */
  documentFinished(doc: SeriesDocument): Promise<void> {
    const { hour, minute } = slot((doc.at ?? new Date()).getTime());
    const key = laneKey(hour);
    const tokens = doc.promptTokens + doc.completionTokens;
    this.#writes.expire(key, retentionS);
    const writes = [
      this.#writes.add(key, `${minute}|${doc.lane}|docs`, 1),
      this.#writes.add(key, `${minute}|${doc.lane}|tokens`, tokens),
    ];
    if (doc.lane === 'hot' && doc.outcome === 'succeeded') {
      const latency = latencyKey(hour);
      this.#writes.expire(latency, retentionS);
      writes.push(this.#writes.add(latency, `${minute}|${latencyBin(doc.durationMs)}`, 1));
    }
    return Promise.all(writes).then(() => undefined);
  }

  /**
   * Adds a VRAM reading of `host`'s GPUs to each card's mean for the minute; readings closer
   * than `vramSampleMs` to the last kept one of the same card are skipped.
   */
  vramReading(host: string, gpus: readonly GpuMemory[], at = new Date()): Promise<void> {
    const t = at.getTime();
    const { hour, minute } = slot(t);
    const key = vramKey(hour);
    const writes: Promise<void>[] = [];
    for (const card of gpus) {
      const gpu = `${host}/${card.index}`;
      const last = this.#lastVramSample.get(gpu);
      if (last !== undefined && t >= last && t - last < this.#vramSampleMs) continue;
      this.#lastVramSample.set(gpu, t);
      this.#writes.expire(key, retentionS);
      writes.push(
        this.#writes.add(key, `${minute}|${gpu}|pct`, card.usedPct),
        this.#writes.add(key, `${minute}|${gpu}|n`, 1),
        this.#writes.add(key, `${minute}|${gpu}|total`, card.totalMiB),
      );
    }
    return Promise.all(writes).then(() => undefined);
  }

  /** Writes pending increments (graceful shutdown). */
  flush(): Promise<void> {
    return this.#writes.flush();
  }

  /**
   * The series over `spanMs` up to the minute of `now`, as arrays of one point per minute.
   * Minutes without data read as 0 (throughput) or null (latency, VRAM).
   */
  async read(options: { now?: Date; spanMs?: number } = {}): Promise<ActivityWindow> {
    const now = (options.now ?? new Date()).getTime();
    const points = Math.max(1, Math.round((options.spanMs ?? activitySpanMs) / activityBucketMs));
    const end = (Math.floor(now / activityBucketMs) + 1) * activityBucketMs;
    const start = end - points * activityBucketMs;
    const hours: number[] = [];
    for (let h = Math.floor(start / hourMs); h <= Math.floor((end - 1) / hourMs); h++) {
      hours.push(h);
    }
    const pipeline = this.#redis.pipeline();
    for (const h of hours) pipeline.hgetall(laneKey(h)).hgetall(latencyKey(h)).hgetall(vramKey(h));
    const replies = (await pipeline.exec()) ?? [];
    const hashes = replies.map(([error, value]) => {
      if (error) throw error;
      return value as Record<string, string>;
    });
    const grid = new SeriesGrid(start, points);
    hours.forEach((h, i) => {
      grid.addLanes(h, hashes[i * 3] ?? {});
      grid.addLatency(h, hashes[i * 3 + 1] ?? {});
      grid.addVram(h, hashes[i * 3 + 2] ?? {});
    });
    return grid.window(new Date(end));
  }
}

/** Folds hourly hashes into per-minute arrays starting at `start`. */
class SeriesGrid {
  readonly #start: number;
  readonly #points: number;
  readonly #lanes = new Map<SeriesLane, { docs: number[]; tokens: number[] }>();
  readonly #latency: Map<number, number>[];
  readonly #vram = new Map<string, { pct: number[]; n: number[]; total: number[] }>();

  constructor(start: number, points: number) {
    this.#start = start;
    this.#points = points;
    for (const lane of lanes) this.#lanes.set(lane, { docs: this.#zeros(), tokens: this.#zeros() });
    this.#latency = Array.from({ length: points }, () => new Map<number, number>());
  }

  addLanes(hour: number, hash: Record<string, string>): void {
    for (const [field, value] of Object.entries(hash)) {
      const [minute, lane, stat] = field.split('|');
      const point = this.#point(hour, minute);
      const series = this.#lanes.get(lane as SeriesLane);
      if (point === null || !series || (stat !== 'docs' && stat !== 'tokens')) continue;
      series[stat][point] = (series[stat][point] ?? 0) + Number(value);
    }
  }

  addLatency(hour: number, hash: Record<string, string>): void {
    for (const [field, value] of Object.entries(hash)) {
      const [minute, bin] = field.split('|');
      const point = this.#point(hour, minute);
      if (point === null || bin === undefined) continue;
      const bins = this.#latency[point] as Map<number, number>;
      bins.set(Number(bin), (bins.get(Number(bin)) ?? 0) + Number(value));
    }
  }

  addVram(hour: number, hash: Record<string, string>): void {
    for (const [field, value] of Object.entries(hash)) {
      const parts = field.split('|');
      const stat = parts.pop();
      const [minute, ...name] = parts;
      const point = this.#point(hour, minute);
      if (point === null || (stat !== 'pct' && stat !== 'n' && stat !== 'total')) continue;
      const gpu = name.join('|');
      let series = this.#vram.get(gpu);
      if (!series) {
        series = { pct: this.#zeros(), n: this.#zeros(), total: this.#zeros() };
        this.#vram.set(gpu, series);
      }
      series[stat][point] = (series[stat][point] ?? 0) + Number(value);
    }
  }

  window(to: Date): ActivityWindow {
    const perS = (count: number) => count / (activityBucketMs / 1000);
    return {
      from: new Date(this.#start),
      to,
      bucketMs: activityBucketMs,
      lanes: lanes.map((lane) => {
        const series = this.#lanes.get(lane) as { docs: number[]; tokens: number[] };
        return {
          lane,
          documentsPerS: series.docs.map(perS),
          tokensPerS: series.tokens.map(perS),
        };
      }),
      hotP95Ms: this.#latency.map((bins) => p95FromBins(bins)),
      gpus: [...this.#vram.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([gpu, { pct, n, total }]) => {
          const last = n.findLastIndex((count) => count > 0);
          return {
            gpu,
            usedPct: pct.map((sum, i) => ((n[i] ?? 0) > 0 ? sum / (n[i] as number) : null)),
            totalMiB: last === -1 ? 0 : (total[last] as number) / (n[last] as number),
          };
        }),
    };
  }

  /** The index of an hour's minute in the arrays, or null outside them. */
  #point(hour: number, minute: string | undefined): number | null {
    const m = Number(minute);
    if (!Number.isInteger(m) || m < 0 || m >= 60) return null;
    const point = (hour * hourMs + m * activityBucketMs - this.#start) / activityBucketMs;
    return point >= 0 && point < this.#points ? point : null;
  }

  #zeros(): number[] {
    return new Array<number>(this.#points).fill(0);
  }
}
