import type { BatchObject } from '@nightshift/core';
import type { WorkerStatus } from '@nightshift/fleet';
import type { GpuMemory } from '@nightshift/gpu';
import type { Delivery } from '@nightshift/webhooks';
import type { DashboardData, LaneDepth } from './dashboard-data.ts';
import { gib, percent, relativeTime } from './dashboard-format.ts';
import { plotsSection } from './dashboard-plots.ts';
import { dashboardCss } from './dashboard-style.ts';
import { html, type SafeHtml } from './html.ts';
import { nightShiftSection } from './night-shift-section.ts';
import { pricePlanSection } from './price-plan-section.ts';

/** What each lane is for, as the dashboard explains it. */
const laneRoles: Record<string, string> = {
  hot: 'interactive summaries, any hour',
  cold: 'batch documents, off-peak windows',
  batches: 'one parent job per batch',
  webhooks: 'signed webhook deliveries',
};

/** Options of {@link renderDashboard}. */
export interface DashboardPageOptions {
  /** The CSP nonce of this response: the page's `<style>` element carries it. */
  styleNonce: string;
}

/**
 * The `/admin` page: lanes and their depth, workers (window, next transition, VRAM per GPU),
 * the last 24 hours as plots (VRAM, throughput, hot p95, cold windows shaded), what the night
 * shift did (peak-hour busy share by lane, GPU time, energy and cost per tenant), batches in
 * flight with progress, and failed webhook deliveries. Server-rendered, refreshes
 * itself every 10 seconds.
 *
 * @example
 * return c.html(renderDashboard(await collectDashboard(sources), { styleNonce }).toString());
 */
export function renderDashboard(data: DashboardData, page: DashboardPageOptions): SafeHtml {
  const now = data.generatedAt;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="10">
<title>Nightshift · dashboard</title>
<style nonce="${page.styleNonce}">${dashboardCss}</style></head>
<body>
<header><h1><span class="moon">☾</span> Nightshift</h1>
<span class="muted">as of <time datetime="${now.toISOString()}">${now.toISOString().replace('T', ' ').slice(0, 19)} UTC</time></span>
<nav><a href="/admin/queues">Queues (Bull Board)</a><form method="post" action="/admin/logout"><button type="submit">Sign out</button></form></nav></header>
<main>
${lanesSection(data.lanes)}
${workersSection(data.workers, now)}
${data.activity ? plotsSection(data.activity) : ''}
${data.nightShift ? nightShiftSection(data.nightShift) : ''}
${data.pricePlan !== undefined ? pricePlanSection(data.pricePlan) : ''}
${batchesSection(data.batches, now)}
${deliveriesSection(data.failedDeliveries, now)}
</main></body></html>`;
}

function lanesSection(lanes: LaneDepth[]): SafeHtml {
  const deepest = Math.max(1, ...lanes.map((l) => l.waiting + l.delayed));
  return html`<section id="lanes"><h2>Lanes</h2><table>
<thead><tr><th>lane</th><th>role</th><th class="num">waiting</th><th class="num">delayed</th>
<th class="num">active</th><th class="num">failed</th><th>depth</th></tr></thead><tbody>
${lanes.map(
  (lane) => html`<tr data-lane="${lane.name}"><td><strong>${lane.name}</strong></td>
<td class="muted">${laneRoles[lane.name] ?? ''}${lane.waitingChildren ? ` · ${lane.waitingChildren} awaiting documents` : ''}</td>
<td class="num depth">${lane.waiting}</td><td class="num">${lane.delayed}</td>
<td class="num">${lane.active}</td><td class="num">${lane.failed}</td>
<td><div class="bar"><span class="w-${percent(lane.waiting + lane.delayed, deepest)}"></span></div></td></tr>`,
)}
</tbody></table></section>`;
}

function workersSection(workers: WorkerStatus[], now: Date): SafeHtml {
  const body = workers.length
    ? html`<div class="workers">${workers.map((w) => workerCard(w, now))}</div>`
    : html`<p class="empty">No worker has reported in the last few seconds.</p>`;
  return html`<section id="workers"><h2>Workers</h2>${body}</section>`;
}

function workerCard(worker: WorkerStatus, now: Date): SafeHtml {
  const { window, lanes } = worker;
  const next = window.nextTransition
    ? html`${window.open ? 'closes' : 'opens'} ${relativeTime(new Date(window.nextTransition), now)}
<span class="muted">(${window.nextTransition})</span>`
    : html`<span class="muted">none (${window.spec})</span>`;
  const cold = lanes.cold.paused
    ? html`${lanes.cold.running}/${lanes.cold.slots} <span class="badge bad">paused</span>
<span class="muted">${lanes.cold.reason ?? ''}</span>`
    : html`${lanes.cold.running}/${lanes.cold.slots}`;
  return html`<div class="worker" data-worker="${worker.id}">
<h3>${worker.id} <span class="badge ${window.open ? 'open' : 'closed'}">window ${window.open ? 'open' : 'closed'}</span></h3>
<dl><dt>host</dt><dd>${worker.host} · pid ${worker.pid} · ${worker.provider}</dd>
<dt>window</dt><dd>${window.spec} <span class="muted">${window.timeZone}</span></dd>
<dt>next</dt><dd class="next-transition">${next}</dd>
<dt>hot</dt><dd>${lanes.hot.running}/${lanes.hot.slots} slots busy</dd>
<dt>cold</dt><dd>${cold}</dd>
<dt>models</dt><dd>${worker.modelsLoaded.join(', ') || html`<span class="muted">none loaded</span>`}</dd></dl>
${gpuRows(worker)}</div>`;
}

function gpuRows(worker: WorkerStatus): SafeHtml {
  const { gpu } = worker;
  if (gpu.gpus.length === 0) {
    return html`<p class="muted">GPU: ${gpu.status} (${gpu.probe})${gpu.reason ? ` — ${gpu.reason}` : ''}</p>`;
  }
  return html`${gpu.gpus.map((g: GpuMemory) => {
    const level = g.usedPct >= 95 ? 'full' : g.usedPct >= 80 ? 'high' : '';
    return html`<div class="gpu" data-gpu="${g.index}"><span>GPU ${g.index} <span class="muted">${g.name ?? ''}</span></span>
<div class="bar vram ${level}"><span class="w-${percent(g.usedPct, 100)}"></span></div>
<span class="vram-text">${gib(g.usedMiB)} / ${gib(g.totalMiB)} · ${g.usedPct.toFixed(0)}% · ${gib(g.freeMiB)} free</span></div>`;
  })}`;
}

function batchesSection(batches: { tenant: string; batch: BatchObject }[], now: Date): SafeHtml {
  if (batches.length === 0) {
    return html`<section id="batches"><h2>Batches in flight</h2><p class="empty">No batch is open.</p></section>`;
  }
  return html`<section id="batches"><h2>Batches in flight</h2><table>
<thead><tr><th>batch</th><th>tenant</th><th>status</th><th>progress</th><th class="num">done</th>
<th class="num">running</th><th class="num">failed</th><th>expires</th></tr></thead><tbody>
${batches.map(({ tenant, batch }) => {
  const { counts } = batch;
  const done = counts.succeeded + counts.failed + counts.cancelled + counts.expired;
  return html`<tr data-batch="${batch.id}"><td><code>${batch.id}</code></td><td>${tenant}</td>
<td>${batch.status}</td><td><div class="bar"><span class="w-${percent(done, counts.total)}"></span></div></td>
<td class="num progress">${done} / ${counts.total}</td><td class="num">${counts.running}</td>
<td class="num">${counts.failed}</td><td class="muted">${relativeTime(new Date(batch.expiresAt), now)}</td></tr>`;
})}
</tbody></table></section>`;
}

function deliveriesSection(deliveries: Delivery[], now: Date): SafeHtml {
  if (deliveries.length === 0) {
    return html`<section id="deliveries"><h2>Failed webhook deliveries</h2><p class="empty">None in the last 7 days.</p></section>`;
  }
  return html`<section id="deliveries"><h2>Failed webhook deliveries</h2><table>
<thead><tr><th>delivery</th><th>tenant</th><th>event</th><th>url</th><th class="num">attempts</th>
<th>last error</th><th>failed</th></tr></thead><tbody>
${deliveries.map((d) => {
  const last = d.attempts.at(-1);
  return html`<tr data-delivery="${d.id}"><td><code>${d.id}</code><br><span class="muted">${d.batchId}</span></td>
<td>${d.tenant}</td><td>${d.eventType}</td><td><code>${d.url}</code></td><td class="num">${d.attempts.length}</td>
<td>${last?.error ?? (last?.status ? `HTTP ${last.status}` : '—')}</td>
<td class="muted">${d.updatedAt ? relativeTime(new Date(d.updatedAt), now) : ''}</td></tr>`;
})}
</tbody></table></section>`;
}
