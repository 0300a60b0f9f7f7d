import { type HourlyValue, hourMs } from './hourly-values.ts';

/** Work that waits in the cold lane: one batch. */
export interface QueuedBatch {
  id: string;
  model: string;
  /** Documents not yet finished (queued or running). */
  remaining: number;
  /** The batch's `expiresAt` (end of its completion window), ms since the epoch. */
  deadline: number;
}

/** Why an hour of the plan is open or closed. */
export type HourReason =
  /** Open: one of the hours a batch needs to finish before its deadline. */
  | 'needed'
  /** Open: among the cheapest hours that hold all queued work before the last deadline. */
  | 'cheapest'
  /** Closed: the queued work does not need it (dearer, or no work waits). */
  | 'skipped'
  /** Closed: outside the allowed hours (`NIGHTSHIFT_COLD_WINDOWS`). */
  | 'limit';

/** One hour of a plan. */
export interface PlannedHour {
  /** Start of the hour, ms since the epoch. */
  start: number;
  /** The hour's price or intensity; null when the source has none (priced as the dearest). */
  price: number | null;
  open: boolean;
  reason: HourReason;
  /** For `needed`: the batch that needs it and that batch's deadline (ms). */
  batchId?: string;
  due?: number;
  /** Share of the hour (0–1) the allowed hours cover (and, for the current hour, still ahead). */
  usable: number;
}

/** A batch that cannot finish inside its completion window in the allowed hours. */
export interface BatchAtRisk {
  batchId: string;
  model: string;
  deadline: number;
  remaining: number;
  /** Documents that do not fit in the allowed hours before the deadline, at the measured pace. */
  shortDocuments: number;
}

/** Inputs of {@link planColdHours}. */
export interface PlanInput {
  /** The planning instant, ms. */
  now: number;
  /** Hourly prices or intensities, any order; hours missing here count as the dearest. */
  prices: readonly HourlyValue[];
  /** Share (0–1) of the hour starting at `start` that the fixed windows allow. */
  allowed: (start: number) => number;
  batches: readonly QueuedBatch[];
  /** Documents per second the cold lane finishes for a model, all its servers together. */
  throughput: (model: string) => number;
  /**
   * Hours planned ahead when no deadline lies further: at least the day the prices cover.
   * Default 48.
   */
  horizonHours?: number;
  /**
   * Work is planned as this many times its estimate, so a pace that slows a little still
   * finishes in time. Default 1.25.
   */
  margin?: number;
}

/** What {@link planColdHours} decides. */
export interface ColdHourPlan {
  hours: PlannedHour[];
  atRisk: BatchAtRisk[];
  /** The dearest price the plan opens at; null when it opens no hour. */
  threshold: number | null;
}

/** Deadlines further ahead than this are planned as if due at its end. */
const maxPlanHours = 7 * 24;

/**
 * The cold lane's open hours: the cheapest allowed hours that still finish every queued batch
 * before its deadline. First the cheapest allowed hours before the last deadline that hold all
 * the work (`cheapest`); then, earliest deadline first, while the open hours before a deadline
 * hold less than the work due by then (that batch's and every earlier one's), the cheapest
 * allowed hour before it is added (`needed`, naming the batch); last, open hours that the
 * additions made redundant close again, dearest first (unless cheaper than every open hour after
 * them: work runs in the first open hours, so such an hour lowers the cost). A batch whose allowed hours run out
 * before its deadline is listed at risk with the documents that do not fit; the hours it could
 * use stay open. Work is counted in seconds of the cold lane at each batch's model's pace.
 *
 * @example
 * planColdHours({ now, prices, allowed: () => 1, batches: [{ id: 'batch_a', model: 'm', remaining: 3600, deadline: now + 86_400_000 }], throughput: () => 1 });
 * // opens the hour(s) with the lowest prices before the deadline, reason 'needed'
 */
export function planColdHours(input: PlanInput): ColdHourPlan {
  const margin = input.margin ?? 1.25;
  const first = Math.floor(input.now / hourMs) * hourMs;
  const latestDeadline = Math.max(0, ...input.batches.map((b) => b.deadline));
  const lastHour = Math.min(
    first + maxPlanHours * hourMs,
    Math.max(
      first + (input.horizonHours ?? 48) * hourMs,
      Math.ceil(latestDeadline / hourMs) * hourMs,
    ),
  );
  const priceAt = new Map(input.prices.map((p) => [p.start, p.value]));
  const known = [...priceAt.values()];
  const dearest = known.length > 0 ? Math.max(...known) : 0;

  const hours: PlannedHour[] = [];
  for (let start = first; start < lastHour; start += hourMs) {
    const elapsed = start === first ? (input.now - first) / hourMs : 0;
    const usable = Math.max(0, Math.min(1, input.allowed(start)) - elapsed);
    hours.push({
      start,
      price: priceAt.get(start) ?? null,
      open: false,
      reason: usable > 0 ? 'skipped' : 'limit',
      usable,
    });
  }
  // Cheapest first; an unknown price sorts with the dearest; ties go to the earlier hour.
  const byPrice = hours
    .filter((h) => h.usable > 0)
    .sort((a, b) => (a.price ?? dearest) - (b.price ?? dearest) || a.start - b.start);

  const ordered = [...input.batches]
    .filter((b) => b.remaining > 0)
    .sort((a, b) => a.deadline - b.deadline);
  const needs = ordered.map(
    (b) => (b.remaining / Math.max(input.throughput(b.model), Number.MIN_VALUE)) * margin,
  );

  // 1. The cheapest hours before the last deadline that hold all the work together.
  const lastDeadline = ordered.at(-1)?.deadline ?? first;
  const total = needs.reduce((sum, need) => sum + need, 0);
  let held = 0;
  for (const hour of byPrice) {
    if (held >= total) break;
    if (hour.start >= lastDeadline) continue;
    hour.open = true;
    hour.reason = 'cheapest';
    held += secondsBefore(hour, lastDeadline);
  }

  // 2. Earliest deadline first: the work due by each deadline must fit in the open hours
  // before it; when not, the cheapest hours before that deadline are added.
  const atRisk: BatchAtRisk[] = [];
  const dues: number[] = [];
  let due = 0;
  ordered.forEach((batch, k) => {
    due += needs[k] as number;
    let before = heldBefore(hours, batch.deadline);
    for (const hour of byPrice) {
      if (before >= due) break;
      if (hour.open || hour.start >= batch.deadline) continue;
      hour.open = true;
      hour.reason = 'needed';
      hour.batchId = batch.id;
      hour.due = batch.deadline;
      before += secondsBefore(hour, batch.deadline);
    }
    if (before < due) {
      const pace = Math.max(input.throughput(batch.model), Number.MIN_VALUE);
      atRisk.push({
        batchId: batch.id,
        model: batch.model,
        deadline: batch.deadline,
        remaining: batch.remaining,
        // At the measured pace (the margin aside): documents the hours cannot hold.
        shortDocuments: Math.min(
          batch.remaining,
          Math.max(0, Math.ceil((due / margin - before) * pace)),
        ),
      });
      // What cannot fit is not planned for: later batches are judged on the hours left.
      due = before;
    }
    dues.push(due);
  });

  // 3. Hours that later additions made redundant close again, the dearest first.
  const deadlines = ordered.map((b) => b.deadline);
  const heldAt = deadlines.map((d) => heldBefore(hours, d));
  const dearestFirst = hours
    .filter((h) => h.open)
    .sort((a, b) => (b.price ?? dearest) - (a.price ?? dearest) || b.start - a.start);
  for (const hour of dearestFirst) {
    // Work runs in the first open hours it finds: a spare hour costs nothing when it is the
    // last one, and saves when it is cheaper than every open hour after it (work moves there
    // from dearer ones), so it stays then.
    const later = hours.filter((h) => h.open && h.start > hour.start);
    const price = hour.price ?? dearest;
    if (later.length > 0 && later.every((h) => (h.price ?? dearest) > price)) continue;
    const loss = deadlines.map((d) => secondsBefore(hour, d));
    if (loss.every((lost, k) => (heldAt[k] as number) - lost >= (dues[k] as number) - 1e-6)) {
      loss.forEach((lost, k) => {
        heldAt[k] = (heldAt[k] as number) - lost;
      });
      hour.open = false;
      hour.reason = 'skipped';
      delete hour.batchId;
      delete hour.due;
    }
  }

  const opened = hours.filter((h) => h.open);
  const threshold = opened.length === 0 ? null : Math.max(...opened.map((h) => h.price ?? dearest));
  return { hours, atRisk, threshold };
}

/** Seconds of work the open hours hold before `deadline`. */
function heldBefore(hours: readonly PlannedHour[], deadline: number): number {
  let held = 0;
  for (const hour of hours) if (hour.open) held += secondsBefore(hour, deadline);
  return held;
}

/** Seconds of an hour usable before `deadline` (its usable share, cut at the deadline). */
function secondsBefore(hour: PlannedHour, deadline: number): number {
  if (hour.start >= deadline) return 0;
  const share = Math.min(1, (deadline - hour.start) / hourMs);
  return Math.min(hour.usable, share) * (hourMs / 1000);
}
