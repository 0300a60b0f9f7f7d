import type { FairnessRow } from '../fairness.bench.ts';
import type { WebhookBenchRow } from '../webhooks.bench.ts';
import type { SummaryRow } from './summary.ts';

/** Summary lines of `webhooks.bench.ts` (issue 4 goals: ≥ 500/s burst, p99 < 250 ms paced). */
export function webhooksSummary(rows: WebhookBenchRow[]): SummaryRow[] {
  const find = (path: string, load: string) =>
    rows.find((r) => r.path === path && r.load.startsWith(load));
  const burst = find('notifier', 'burst');
  const burstRaw = find('raw POST', 'burst');
  const paced = find('notifier', 'paced');
  const pacedRaw = find('raw POST', 'paced');
  const out: SummaryRow[] = [];
  if (burst && burstRaw) {
    out.push({
      benchmark: 'webhooks',
      figure: `deliveries/s, ${burst.load}`,
      value: burst.perSecond,
      baseline: burstRaw.perSecond,
      ratio: burst.ratio,
      goal: '≥ 500/s',
      met: burst.perSecond >= 500,
    });
  }
  if (paced && pacedRaw) {
    out.push({
      benchmark: 'webhooks',
      figure: `p99 ms, ${paced.load}`,
      value: paced.p99Ms,
      baseline: pacedRaw.p99Ms,
      ratio: paced.ratio,
      goal: '< 250 ms',
      met: paced.p99Ms < 250,
    });
  }
  return out;
}

/** Summary lines of `fairness.bench.ts`: how many times sooner the small tenant is done. */
export function fairnessSummary(rows: FairnessRow[]): SummaryRow[] {
  return rows.map((r) => ({
    benchmark: 'fairness',
    figure: `small tenant's last start, ${r.big}+${r.small} docs, ${r.slots} slot(s)`,
    value: r.fairLastPosition,
    baseline: r.fifoLastPosition,
    ratio: r.speedup,
    goal: 'none (FIFO shown)',
    met: null,
  }));
}
