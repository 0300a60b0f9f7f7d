import type { NightShiftReport, TenantSpan } from '@nightshift/accounting';
import { html, type SafeHtml } from './html.ts';

const pct = (share: number) => `${(share * 100).toFixed(1)} %`;
// Below 1, significant digits: a small night reads 0.000278 GPU h, not 0.
const num = (value: number | null, digits: number) =>
  value === null
    ? '—'
    : value.toLocaleString(
        'en-US',
        value !== 0 && Math.abs(value) < 1
          ? { maximumSignificantDigits: 3 }
          : { maximumFractionDigits: digits },
      );

/**
 * "What the night shift did": the GPUs' busy share in peak hours by lane, and what it would
 * have been had the batch work run in them; GPU hours, energy and cost per tenant; Wh per
 * 1,000 documents per model; idle energy apart.
 */
export function nightShiftSection(report: NightShiftReport): SafeHtml {
  const { peak } = report;
  const unit = report.costUnit;
  return html`<section id="night-shift"><h2>What the night shift did <span class="muted">(7 days)</span></h2>
<p>GPU busy in peak hours: <strong class="peak-busy">${pct(peak.busyShare.total)}</strong>
(chat and hot <span class="peak-hot">${pct(peak.busyShare.hot)}</span>, batches <span class="peak-cold">${pct(peak.busyShare.cold)}</span>)
over ${peak.hours} peak hours. Batch work kept out of them: <strong class="moved-out">${num(peak.movedOut.coldGpuHours, 2)} GPU h</strong>;
run in peak hours it would have made them <strong class="if-in-peak">${pct(peak.movedOut.peakBusyShareIfInPeak)}</strong> busy.</p>
<table class="tenants"><thead><tr><th>tenant</th><th class="num">GPU h 24 h</th><th class="num">kWh 24 h</th><th class="num">cost 24 h${unit ? ` (${unit})` : ''}</th>
<th class="num">GPU h 7 d</th><th class="num">kWh 7 d</th><th class="num">cost 7 d${unit ? ` (${unit})` : ''}</th></tr></thead><tbody>
${report.tenants.length === 0 ? html`<tr><td colspan="7" class="empty">No GPU time charged yet.</td></tr>` : ''}
${report.tenants.map((t) => html`<tr data-tenant="${t.tenant}"><td>${t.tenant}</td>${spanCells(t.last24h)}${spanCells(t.last7d)}</tr>`)}
</tbody></table>
<table class="models"><thead><tr><th>model</th><th class="num">documents</th><th class="num">batch energy (Wh)</th><th class="num">Wh per 1,000 documents</th></tr></thead><tbody>
${report.models.map((m) => html`<tr data-model="${m.model}"><td>${m.model}</td><td class="num">${m.documents}</td><td class="num">${num(m.coldEnergyWh, 1)}</td><td class="num wh-per-1000">${num(m.whPer1000Documents, 1)}</td></tr>`)}
</tbody></table>
<p class="muted">Idle energy (nobody's): ${num(report.idleEnergyKWh.last24h, 3)} kWh in 24 h, ${num(report.idleEnergyKWh.last7d, 3)} kWh in 7 days.</p></section>`;
}

function spanCells(span: TenantSpan): SafeHtml {
  return html`<td class="num">${num(span.gpuHours, 3)}</td><td class="num">${num(span.energyKWh, 3)}</td><td class="num">${num(span.cost, 2)}</td>`;
}
