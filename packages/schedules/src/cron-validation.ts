import { validate } from 'node-cron';
import { shortestGapMs } from './fire-times.ts';

/**
 * Why a cron expression is refused, or null when node-cron can run it and we can show its fire
 * times. Accepts 5 fields (minute first) or 6 (second first); names such as `mon` and `jan`,
 * ranges, lists and steps. Refuses `L`, `W` and `#`, which our fire-time preview does not model.
 *
 * @example
 * cronProblem('30 1 * * *'); // null
 * cronProblem('61 * * * *'); // 'not a valid cron expression …'
 */
export function cronProblem(cron: string): string | null {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    return `a cron expression has 5 fields (minute hour day month weekday) or 6 (second first); this one has ${fields.length}`;
  }
  if (/[LW#?]/.test(cron.replace(/[a-z]{3}/gi, ''))) {
    return 'the special tokens L, W, # and ? are not supported';
  }
  if (!validate(cron)) return `'${cron}' is not a valid cron expression`;
  return null;
}

/**
 * Why a time zone is refused, or null for an IANA zone name the runtime knows
 * (`Europe/Berlin`, `America/New_York`, `UTC`). Raw offsets (`+02:00`) are refused: they have
 * no daylight-saving rules, which is the point of naming a zone.
 *
 * @example
 * timeZoneProblem('Europe/Berlin'); // null
 * timeZoneProblem('Mars/Olympus'); // 'unknown time zone …'
 */
export function timeZoneProblem(timeZone: string): string | null {
  if (/^[+-]\d/.test(timeZone))
    return 'give an IANA zone name such as Europe/Berlin, not an offset';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return null;
  } catch {
    return `unknown time zone '${timeZone}'; give an IANA name such as Europe/Berlin`;
  }
}

/**
 * Why a cron expression fires too often, or null: two consecutive fire times (in its zone, over
 * the coming year) must be at least `minIntervalS` seconds apart (`NIGHTSHIFT_SCHEDULE_MIN_INTERVAL_S`).
 * Call it only for an expression {@link cronProblem} accepted.
 *
 * @example
 * intervalProblem('* * * * * *', 'UTC', 60); // 'fires every 1 s at times; …'
 * intervalProblem('0 1 * * *', 'UTC', 60); // null
 */
export function intervalProblem(
  cron: string,
  timeZone: string,
  minIntervalS: number,
  now = new Date(),
): string | null {
  const minMs = minIntervalS * 1000;
  const gap = shortestGapMs(cron, timeZone, { from: now, stopBelowMs: minMs });
  if (gap === null || gap >= minMs) return null;
  return `fires every ${gap / 1000} s at times; schedules may fire at most once every ${minIntervalS} s`;
}
