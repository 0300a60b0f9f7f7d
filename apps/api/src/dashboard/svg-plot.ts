import { html, type SafeHtml } from './html.ts';

/** One line of a plot: a value per point, null where there is none (the line breaks). */
export interface PlotSeries {
  name: string;
  values: readonly (number | null)[];
}

/** A stretch of the time axis to shade, e.g. an open cold window. */
export interface PlotBand {
  from: Date;
  to: Date;
  label: string;
}

/** Options of {@link linePlot}. */
export interface LinePlotOptions {
  /** `data-plot` of the figure, and the prefix of its element ids. */
  id: string;
  title: string;
  /** Start of the first point and end of the last one; points are evenly spaced between. */
  from: Date;
  to: Date;
  series: readonly PlotSeries[];
  /** Stretches shaded behind the lines. */
  bands?: readonly PlotBand[];
  /** The top of the y axis; default a round number above the largest value. */
  yMax?: number;
  /** A dashed horizontal line, e.g. the VRAM threshold. */
  threshold?: { value: number; label: string };
  /** How axis labels and the legend write a value. */
  format: (value: number) => string;
  /** Time zone of the hour labels. */
  timeZone: string;
  /** What an empty plot says instead of lines. */
  empty: string;
}

const width = 720;
const height = 200;
const margin = { top: 10, right: 12, bottom: 24, left: 56 };
const plotWidth = width - margin.left - margin.right;
const plotHeight = height - margin.top - margin.bottom;
/** Distinct line colours, as classes of the dashboard's stylesheet (no style attributes). */
const palette = 6;

const fixed = (n: number) => n.toFixed(1);

/** 1, 2, 2.5 or 5 times a power of ten, at or above `value`. */
export function roundUp(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((s) => s * power >= value * (1 - 1e-9)) ?? 10;
  return step * power;
}

/**
 * A server-rendered SVG line plot over a time axis (24 hours of minute points in the
 * dashboard): shaded bands behind, a dashed threshold, the lines, hour ticks in `timeZone`,
 * and a legend. Only attributes and classes, no `style` and no script, so the admin pages'
 * CSP holds; colours come from the `series-<n>` classes of the dashboard stylesheet.
 *
 * @example
 * linePlot({ id: 'vram', title: 'VRAM used', from, to, series: [{ name: 'node/0', values }],
 *   yMax: 100, format: (v) => `${v}%`, timeZone: 'UTC', empty: 'No GPU readings yet.' });
 */
export function linePlot(options: LinePlotOptions): SafeHtml {
  const from = options.from.getTime();
  const span = Math.max(1, options.to.getTime() - from);
  const x = (t: number) => margin.left + ((t - from) / span) * plotWidth;
  const largest = Math.max(
    0,
    ...options.series.flatMap((s) => s.values.filter((v): v is number => v !== null)),
  );
  const yMax = options.yMax ?? roundUp(largest);
  const y = (v: number) => margin.top + plotHeight - (Math.min(v, yMax) / yMax) * plotHeight;
  const hasData = options.series.some((s) => s.values.some((v) => v !== null && v > 0));
  const titleId = `plot-${options.id}-title`;
  return html`<figure class="plot" data-plot="${options.id}">
<figcaption id="${titleId}">${options.title}</figcaption>
<svg viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${titleId}">
${(options.bands ?? []).map((band) => {
  const left = x(band.from.getTime());
  return html`<rect class="band" data-band="${band.from.toISOString()}" x="${fixed(left)}" y="${margin.top}" width="${fixed(x(band.to.getTime()) - left)}" height="${plotHeight}"><title>${band.label}</title></rect>`;
})}
${gridShares(yMax).map((share) => {
  const at = y(yMax * share);
  return html`<line class="grid" x1="${margin.left}" x2="${width - margin.right}" y1="${fixed(at)}" y2="${fixed(at)}"></line>
<text class="axis" x="${margin.left - 6}" y="${fixed(at + 4)}" text-anchor="end">${options.format(yMax * share)}</text>`;
})}
${hourTicks(options.from, options.to, options.timeZone).map(
  ({
    at,
    label,
  }) => html`<line class="tick" x1="${fixed(x(at))}" x2="${fixed(x(at))}" y1="${margin.top + plotHeight}" y2="${margin.top + plotHeight + 4}"></line>
<text class="axis" x="${fixed(x(at))}" y="${height - 6}" text-anchor="middle">${label}</text>`,
)}
<line class="baseline" x1="${margin.left}" x2="${width - margin.right}" y1="${margin.top + plotHeight}" y2="${margin.top + plotHeight}"></line>
${
  options.threshold
    ? html`<line class="threshold" x1="${margin.left}" x2="${width - margin.right}" y1="${fixed(y(options.threshold.value))}" y2="${fixed(y(options.threshold.value))}"><title>${options.threshold.label}</title></line>`
    : ''
}
${options.series.map((series, i) => {
  const step = span / Math.max(1, series.values.length);
  const d = linePath(series.values, (index) => x(from + (index + 0.5) * step), y);
  return html`<path class="line series-${i % palette}" data-series="${series.name}" d="${d}"><title>${series.name}</title></path>`;
})}
${hasData ? '' : html`<text class="empty-plot" x="${margin.left + plotWidth / 2}" y="${margin.top + plotHeight / 2}" text-anchor="middle">${options.empty}</text>`}
</svg>
<ul class="legend">${options.series.map((series, i) => {
    const latest = series.values.findLast((v): v is number => v !== null);
    return html`<li><span class="swatch series-${i % palette}"></span>${series.name}
<span class="muted">${latest === undefined ? 'no data' : `now ${options.format(latest)}`}</span></li>`;
  })}${
    (options.bands ?? []).length
      ? html`<li><span class="swatch band"></span><span class="muted">cold window open</span></li>`
      : ''
  }</ul></figure>`;
}

/** Where the grid lines go, as shares of `yMax`: fifths for 2.5 and 5 (so labels stay round), quarters otherwise. */
function gridShares(yMax: number): number[] {
  const leading = yMax / 10 ** Math.floor(Math.log10(yMax));
  const count = Math.abs(leading - 2.5) < 1e-9 || Math.abs(leading - 5) < 1e-9 ? 5 : 4;
  return Array.from({ length: count }, (_, i) => (i + 1) / count);
}

/** An SVG path through the points, lifted where a value is missing. */
function linePath(
  values: readonly (number | null)[],
  x: (index: number) => number,
  y: (value: number) => number,
): string {
  let d = '';
  let drawing = false;
  values.forEach((value, i) => {
    if (value === null) {
      drawing = false;
      return;
    }
    d += `${drawing ? 'L' : 'M'}${fixed(x(i))} ${fixed(y(value))}`;
    drawing = true;
  });
  return d;
}

/** Ticks on the whole hours that are a multiple of three in `timeZone`, labelled `HH:MM`. */
function hourTicks(from: Date, to: Date, timeZone: string): { at: number; label: string }[] {
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const ticks: { at: number; label: string }[] = [];
  const hour = 3_600_000;
  for (let at = Math.ceil(from.getTime() / hour) * hour; at < to.getTime(); at += hour) {
    const label = format.format(new Date(at));
    const [hh, mm] = label.split(':').map(Number);
    if (mm === 0 && (hh ?? 0) % 3 === 0) ticks.push({ at, label });
  }
  return ticks;
}
