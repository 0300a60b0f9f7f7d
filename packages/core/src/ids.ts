import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/** Crockford-like base32 of {@link sortableId}: no i, l, o, u. */
const sortableAlphabet = '0123456789abcdefghjkmnpqrstvwxyz';

/** The last id's time and random digits (0–31 each), for ids made in the same millisecond. */
let last = { time: -1, digits: [] as number[] };

/**
 * A time-ordered id: 10 chars of base32 milliseconds then 16 random chars, so ids sort by
 * creation time (used as the `after` cursor of batch and file listings) and never collide across
 * replicas. Within a process they sort in the order made even inside one millisecond (or when
 * the clock steps back): such an id keeps the last one's time and adds one to its random part,
 * as monotonic ULIDs do.
 */
function sortableId(prefix: string, now = Date.now()): string {
  let digits: number[];
  if (now > last.time) {
    digits = [...randomBytes(16)].map((b) => b % 32);
    last = { time: now, digits };
  } else {
    digits = [...last.digits];
    let i = digits.length - 1;
    while (i >= 0 && digits[i] === 31) digits[i--] = 0;
    if (i >= 0) digits[i] = (digits[i] as number) + 1;
    last = { time: last.time, digits };
  }
  let time = '';
  let t = last.time;
  for (let i = 0; i < 10; i++) {
    time = sortableAlphabet[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const random = digits.map((d) => sortableAlphabet[d]).join('');
  return `${prefix}_${time}${random}`;
}

/** `batch_…` */
export const newBatchId = (now?: number) => sortableId('batch', now);
/** `sched_…` */
export const newScheduleId = (now?: number) => sortableId('sched', now);
/** The shape of {@link newOpenAiFileId}'s ids, checked before an id from a path reaches Redis. */
export const openAiFileIdPattern = /^file-[0-9a-hjkmnp-tv-z]{26}$/;
/** `file-…`: a file of the OpenAI-compatible surface (OpenAI's own ids use a dash). */
export const newOpenAiFileId = (now?: number) => sortableId('file', now).replace('_', '-');

/** Tenant names follow `NIGHTSHIFT_API_KEYS`: letters, digits, `_`, `.`, `-`; at most 64. */
export const tenantNamePattern = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * The exact shape of every id the API takes from a URL path, as the code that makes it writes
 * it. Checking a path segment against these before it reaches Redis keeps key-building input
 * such as `batch_…:documents` (another key of the same batch) out of every command.
 */
export const idPatterns = {
  /** {@link newBatchId}. */
  batch: /^batch_[0-9a-hjkmnp-tv-z]{26}$/,
  /** {@link newScheduleId}. */
  schedule: /^sched_[0-9a-hjkmnp-tv-z]{26}$/,
  /**
   * A webhook delivery (`webhook-id`): `msg_` + 26 base32 chars for batch events and
   * `msg_d` + 31 hex digits for per-document events.
   */
  delivery: /^msg_[0-9a-z]{26,32}$/,
  /** A managed API key's id: `key_` + 9 random bytes in base64url. */
  apiKey: /^key_[A-Za-z0-9_-]{12}$/,
  /** A tenant's name. */
  tenant: tenantNamePattern,
} as const;

/** The kinds of id a path can carry. */
export type IdKind = keyof typeof idPatterns;

/**
 * A zod schema per id kind, for path parameters and anywhere else an id crosses a boundary.
 *
 * @example
 * idSchemas.batch.safeParse('batch_x:documents').success; // false
 */
export const idSchemas = Object.fromEntries(
  Object.entries(idPatterns).map(([kind, pattern]) => [
    kind,
    z.string().regex(pattern, `not a ${kind} id`),
  ]),
) as Record<IdKind, z.ZodString>;
