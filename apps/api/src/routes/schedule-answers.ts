import { scheduleObject } from '@nightshift/schedules';
import { z } from 'zod';

/* The schedule routes' answers: the schema of a shown schedule and the document's examples. */

/** A schedule as the API shows it: the stored schedule and its next fire times. */
export const scheduleAnswer = scheduleObject
  .extend({
    nextFireTimes: z
      .array(z.string())
      .describe('The next fire times (ISO 8601, UTC); empty while disabled.'),
  })
  .meta({ id: 'Schedule' });

/** An example schedule, as the routes show it. */
export const scheduleExample = {
  id: 'sched_01jd8q3zj5w2n9x4k7m6p1r0st',
  object: 'schedule',
  name: 'Nightly contracts',
  cron: '0 23 * * *',
  timezone: 'Europe/Berlin',
  source: { kind: 'inline', documents: [{ id: 'policy', text: 'The travel policy…' }] },
  batch: { summary: { maxWords: 80 } },
  enabled: true,
  catchUp: 'none',
  createdAt: '2025-01-15T12:00:00.000Z',
  updatedAt: '2025-01-15T12:00:00.000Z',
  armedAt: '2025-01-15T12:00:00.000Z',
  nextFireTimes: ['2025-01-15T22:00:00.000Z', '2025-01-16T22:00:00.000Z'],
};

/** An example run: a fire that submitted a batch. */
export const scheduleRunExample = {
  object: 'schedule_run',
  scheduleId: scheduleExample.id,
  fireTime: '2025-01-15T22:00:00.000Z',
  firedAt: '2025-01-15T22:00:00.412Z',
  status: 'submitted',
  batchId: 'batch_01jd9a0000000000000000000a',
  documents: 1,
  errors: [],
  catchUp: false,
};
