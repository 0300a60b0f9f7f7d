import { randomBytes } from 'node:crypto';

/**
 * A time-ordered id: 10 chars of base32 milliseconds then 16 random chars, so ids sort by
 * creation time (used as the `after` cursor of batch listings) and never collide across replicas.
 */
function sortableId(prefix: string, now = Date.now()): string {
  const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = alphabet[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const random = [...randomBytes(16)].map((b) => alphabet[b % 32]).join('');
  return `${prefix}_${time}${random}`;
}

/** `batch_…` */
export const newBatchId = (now?: number) => sortableId('batch', now);
/** `sched_…` */
export const newScheduleId = (now?: number) => sortableId('sched', now);
