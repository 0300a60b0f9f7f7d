/** One daily off-peak range in local wall-clock minutes after midnight. */
export interface ColdWindowRange {
  /** Opening minute, 0–1439. */
  startMinute: number;
  /** Closing minute, 1–1440; at or before `startMinute` means the range crosses midnight. */
  endMinute: number;
}

/** Parsed `NIGHTSHIFT_COLD_WINDOWS`. */
export type ColdWindows =
  | { kind: 'always' }
  | { kind: 'never' }
  | {
      kind: 'ranges';
      /** The ranges as written; overlapping ones are fine (their union counts). */
      ranges: readonly ColdWindowRange[];
    };

/** A window spec that cannot be read; `part` is the offending piece. */
export class ColdWindowSpecError extends Error {
  /** The comma-separated piece of the spec that is wrong. */
  readonly part: string;
  constructor(part: string, why: string) {
    super(
      `invalid cold window "${part}": ${why} (expected HH:MM-HH:MM[,HH:MM-HH:MM…], "always" or "never")`,
    );
    this.name = 'ColdWindowSpecError';
    this.part = part;
  }
}

const MINUTES_PER_DAY = 1440;

/**
 * Parses a windows spec: comma-separated `HH:MM-HH:MM` ranges in local time (a range may
 * cross midnight; `24:00` may close one), or `always` / `never`. Ranges that together cover
 * the whole day become `always`. Throws {@link ColdWindowSpecError} naming the bad part.
 *
 * @example
 * parseColdWindows('22:00-06:00,12:00-13:00');
 * // { kind: 'ranges', ranges: [{ startMinute: 1320, endMinute: 360 }, { startMinute: 720, endMinute: 780 }] }
 */
export function parseColdWindows(spec: string): ColdWindows {
  const trimmed = spec.trim();
  const keyword = trimmed.toLowerCase();
  if (keyword === 'always') return { kind: 'always' };
  if (keyword === 'never') return { kind: 'never' };
  if (trimmed === '') throw new ColdWindowSpecError(spec, 'empty spec');

  const ranges = trimmed.split(',').map((raw) => parseRange(raw.trim()));
  const covered = coverage(ranges);
  return covered.every(Boolean) ? { kind: 'always' } : { kind: 'ranges', ranges };
}

function parseRange(part: string): ColdWindowRange {
  if (part === '') throw new ColdWindowSpecError(part, 'empty range between commas');
  if (/^(always|never)$/i.test(part)) {
    throw new ColdWindowSpecError(part, `"${part}" cannot be combined with ranges`);
  }
  const match = /^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$/.exec(part);
  if (!match) throw new ColdWindowSpecError(part, 'not a HH:MM-HH:MM range');
  const [, sh, sm, eh, em] = match.map(Number) as [number, number, number, number, number];
  if (sh > 23 || sm > 59) throw new ColdWindowSpecError(part, 'start is not a time of day');
  if (eh > 24 || em > 59 || (eh === 24 && em !== 0)) {
    throw new ColdWindowSpecError(part, 'end is not a time of day');
  }
  const startMinute = sh * 60 + sm;
  const endMinute = eh * 60 + em;
  if (endMinute === startMinute) {
    throw new ColdWindowSpecError(part, 'start equals end (write "always" for the whole day)');
  }
  return { startMinute, endMinute };
}

/** For each minute of the day, whether some range covers it. */
export function coverage(ranges: readonly ColdWindowRange[]): boolean[] {
  const covered = new Array<boolean>(MINUTES_PER_DAY).fill(false);
  for (const { startMinute, endMinute } of ranges) {
    const end = endMinute > startMinute ? endMinute : endMinute + MINUTES_PER_DAY;
    for (let m = startMinute; m < end; m++) covered[m % MINUTES_PER_DAY] = true;
  }
  return covered;
}

/**
 * The node-cron expressions (`minute hour * * *`) of the moments a window opens or closes,
 * sorted by time of day; none for `always` / `never`. Schedule them with the windows' time
 * zone and re-evaluate `coldWindowState` at each tick. node-cron 4 skips a local time that
 * does not exist (spring-forward day), so also arm a timer for the state's `nextTransition`.
 *
 * @example
 * windowCronExpressions(parseColdWindows('22:00-06:00')); // ['0 6 * * *', '0 22 * * *']
 */
export function windowCronExpressions(windows: ColdWindows): string[] {
  if (windows.kind !== 'ranges') return [];
  const covered = coverage(windows.ranges);
  const expressions: string[] = [];
  for (let m = 0; m < MINUTES_PER_DAY; m++) {
    if (covered[m] !== covered[(m + MINUTES_PER_DAY - 1) % MINUTES_PER_DAY]) {
      expressions.push(`${m % 60} ${Math.floor(m / 60)} * * *`);
    }
  }
  return expressions;
}
