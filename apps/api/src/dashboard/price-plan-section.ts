import type { PricePlanView } from '../routes/price-plan-view.ts';
import { html, type SafeHtml } from './html.ts';

/** What each reason means on the page. */
const reasonText: Record<PricePlanView['hours'][number]['reason'], string> = {
  cheapest: 'cheapest',
  needed: 'needed',
  skipped: 'not needed',
  limit: 'outside the allowed hours',
};

const hhmm = (iso: string, timeZone: string) =>
  new Date(iso).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone });

/**
 * "Price plan": the coming hours the cold lane opens in and why (the price, `cheapest`,
 * `needed for batch_x due 05:00`, outside the allowed hours), and the batches that will miss
 * their completion window because the allowed hours before it are too few. Null plan: the
 * source has given no values yet (the fixed windows rule meanwhile).
 */
export function pricePlanSection(plan: PricePlanView | null): SafeHtml {
  if (!plan) {
    return html`<section id="price-plan"><h2>Price plan</h2>
<p class="empty">No plan yet: the price source has not answered. The fixed windows hold meanwhile.</p></section>`;
  }
  const tz = plan.timeZone;
  const open = plan.hours.filter((h) => h.open);
  return html`<section id="price-plan"><h2>Price plan <span class="muted">(${plan.unit}, ${plan.source})</span></h2>
<p>Opens in <strong class="open-hours">${open.length}</strong> of the next ${plan.hours.length} hours${open[0] ? html`, next at <strong class="next-open">${hhmm(open[0].start, tz)}</strong>` : ''};
allowed hours ${plan.limits} (${tz}); pace ${plan.throughput.documentsPerS.toFixed(3)} documents/s${plan.throughput.measured ? '' : ' (default: nothing measured yet)'}${Object.entries(plan.throughput.models ?? {}).map(([model, pace]) => html`; <span class="model-pace" data-model="${model}">${model} ${pace.toFixed(3)}/s</span>`)}.</p>
${
  plan.atRisk.length === 0
    ? ''
    : html`<table class="at-risk"><thead><tr><th>batch at risk</th><th>model</th><th>due</th><th class="num">remaining</th><th class="num">will not fit</th></tr></thead><tbody>
${plan.atRisk.map((r) => html`<tr data-batch="${r.batchId}"><td>${r.batchId}</td><td>${r.model}</td><td>${hhmm(r.expiresAt, tz)}</td><td class="num">${r.remaining}</td><td class="num">${r.shortDocuments}</td></tr>`)}
</tbody></table>`
}
<table class="plan-hours"><thead><tr><th>hour</th><th class="num">price</th><th>cold lane</th><th>why</th></tr></thead><tbody>
${plan.hours.map(
  (h) =>
    html`<tr class="${h.open ? 'open' : 'closed'}"><td>${hhmm(h.start, tz)}</td><td class="num">${h.price === null ? '—' : h.price.toFixed(2)}</td><td>${h.open ? 'open' : 'closed'}</td><td>${reasonText[h.reason]}${h.reason === 'needed' && h.batchId ? ` for ${h.batchId}${h.due ? ` due ${hhmm(h.due, tz)}` : ''}` : ''}</td></tr>`,
)}
</tbody></table></section>`;
}
