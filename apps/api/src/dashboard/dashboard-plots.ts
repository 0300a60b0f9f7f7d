import { type ColdWindowSpan, coldWindowSpans, parseColdWindows } from '@nightshift/gpu';
import type { ActivitySeries, ActivityWindow } from '@nightshift/metrics';
import { html, type SafeHtml } from './html.ts';
import { linePlot, type PlotBand } from './svg-plot.ts';

/** What the plots section draws: a day of series and when the cold windows were open. */
export interface DashboardActivity {
  window: ActivityWindow;
  coldSpans: ColdWindowSpan[];
  /** `NIGHTSHIFT_COLD_WINDOWS`, as the shading's label says it. */
  windowSpec: string;
  timeZone: string;
  /** `NIGHTSHIFT_VRAM_MAX_USED_PCT`: drawn as a dashed line on the VRAM plot. */
  vramMaxUsedPct: number;
}

/** Options of {@link readDashboardActivity}. */
export interface DashboardActivitySource {
  series: Pick<ActivitySeries, 'read'>;
  /** `NIGHTSHIFT_COLD_WINDOWS`. */
  windowSpec: string;
  /** `NIGHTSHIFT_TZ`. */
  timeZone: string;
  /** `NIGHTSHIFT_VRAM_MAX_USED_PCT`. */
  vramMaxUsedPct: number;
}

/**
 * Reads the last 24 hours of series and works out the cold windows' open stretches over the
 * same span (from the configured windows: workers and API share `NIGHTSHIFT_COLD_WINDOWS`).
 *
 * @example
 * const activity = await readDashboardActivity({ series, windowSpec: '22:00-06:00', timeZone: 'UTC', vramMaxUsedPct: 95 }, now);
 */
export async function readDashboardActivity(
  source: DashboardActivitySource,
  now: Date,
): Promise<DashboardActivity> {
  const window = await source.series.read({ now });
  return {
    window,
    coldSpans: openStretches(source, window),
    windowSpec: source.windowSpec,
    timeZone: source.timeZone,
    vramMaxUsedPct: source.vramMaxUsedPct,
  };
}

/** The windows' open stretches over the plot; none when the spec cannot be read (the workers refuse to start on it, and the page still shows the rest). */
function openStretches(source: DashboardActivitySource, window: ActivityWindow): ColdWindowSpan[] {
  try {
    const windows = parseColdWindows(source.windowSpec);
    return coldWindowSpans(windows, window.from, window.to, source.timeZone);
  } catch {
    return [];
  }
}

/** `1.2`, `0.05`, `340`: few digits whatever the scale. */
function compact(value: number): string {
  if (value === 0) return '0';
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1).replace(/\.0$/, '');
  return value.toPrecision(2).replace(/\.?0+$/, '');
}

/**
 * The dashboard's "Last 24 hours" section: VRAM per GPU, documents and tokens per second per
 * lane, and the hot lane's p95 latency, one point a minute, with the cold windows shaded.
 */
export function plotsSection(activity: DashboardActivity): SafeHtml {
  const { window, timeZone } = activity;
  const bands: PlotBand[] = activity.coldSpans.map((span) => ({
    ...span,
    label: `cold window open (${activity.windowSpec}, ${timeZone})`,
  }));
  const common = { from: window.from, to: window.to, bands, timeZone };
  const lanes = (pick: 'documentsPerS' | 'tokensPerS') =>
    window.lanes.map((lane) => ({ name: `${lane.lane} lane`, values: lane[pick] }));
  return html`<section id="plots"><h2>Last 24 hours <span class="muted">· one point a minute · ${timeZone}</span></h2>
<div class="plots">
${linePlot({
  ...common,
  id: 'vram',
  title: 'VRAM used per GPU',
  series: window.gpus.map((gpu) => ({
    name: `${gpu.gpu} (${(gpu.totalMiB / 1024).toFixed(0)} GiB)`,
    values: gpu.usedPct,
  })),
  yMax: 100,
  threshold: {
    value: activity.vramMaxUsedPct,
    label: `NIGHTSHIFT_VRAM_MAX_USED_PCT ${activity.vramMaxUsedPct}%`,
  },
  format: (v) => `${v.toFixed(0)}%`,
  empty: 'No GPU readings in the last 24 hours.',
})}
${linePlot({
  ...common,
  id: 'documents',
  title: 'Documents per second, by lane',
  series: lanes('documentsPerS'),
  format: compact,
  empty: 'No document finished in the last 24 hours.',
})}
${linePlot({
  ...common,
  id: 'tokens',
  title: 'Tokens per second (prompt + completion), by lane',
  series: lanes('tokensPerS'),
  format: compact,
  empty: 'No tokens in the last 24 hours.',
})}
${linePlot({
  ...common,
  id: 'hot-latency',
  title: 'Hot lane p95 latency (s)',
  series: [
    { name: 'hot p95', values: window.hotP95Ms.map((ms) => (ms === null ? null : ms / 1000)) },
  ],
  format: (v) => `${compact(v)} s`,
  empty: 'No hot summary in the last 24 hours.',
})}
</div></section>`;
}
