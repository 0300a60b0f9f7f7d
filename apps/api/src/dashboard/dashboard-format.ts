/**
 * "in 3 h 12 min" / "5 min ago": how far `at` is from `now`, rounded for a human.
 *
 * @example
 * relativeTime(new Date('2025-01-01T22:00Z'), new Date('2025-01-01T18:48Z')); // 'in 3 h 12 min'
 */
export function relativeTime(at: Date, now: Date): string {
  const ms = at.getTime() - now.getTime();
  const minutes = Math.round(Math.abs(ms) / 60_000);
  let span: string;
  if (minutes < 1) span = 'less than a minute';
  else if (minutes < 60) span = `${minutes} min`;
  else if (minutes < 48 * 60) {
    const rest = minutes % 60;
    span = `${Math.floor(minutes / 60)} h${rest ? ` ${rest} min` : ''}`;
  } else span = `${Math.round(minutes / 1440)} d`;
  return ms >= 0 ? `in ${span}` : `${span} ago`;
}

/** MiB as GiB with one decimal: `81.3 GiB`. */
export function gib(mib: number): string {
  return `${(mib / 1024).toFixed(1)} GiB`;
}

/** A share as a whole percentage clamped to 0–100, for bar widths. */
export function percent(part: number, whole: number): number {
  if (whole <= 0) return 0;
  return Math.max(0, Math.min(100, Math.round((part / whole) * 100)));
}
