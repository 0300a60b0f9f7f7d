import { createRedis } from '@nightshift/redis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { schedulesUnderTest } from '../test-support/schedules-under-test.ts';
import { scheduleKeys } from './schedule-keys.ts';
import { ScheduleLimitError, ScheduleStore } from './schedule-store.ts';

let t: Awaited<ReturnType<typeof schedulesUnderTest>>;
beforeAll(async () => {
  t = await schedulesUnderTest();
});
beforeEach(async () => {
  await t.redis.flushall();
});
afterAll(async () => {
  await t.close();
});

const inline = { kind: 'inline' as const, documents: [{ text: 'hello' }] };

describe('ScheduleStore', () => {
  it('creates with defaults, reads per tenant, lists, updates and deletes', async () => {
    const created = await t.store.create('acme', {
      name: 'nightly',
      cron: '30 1 * * *',
      source: inline,
    });
    expect(created).toMatchObject({
      id: expect.stringMatching(/^sched_/),
      object: 'schedule',
      timezone: 'Europe/Berlin',
      enabled: true,
      catchUp: 'none',
      batch: {},
    });
    expect(await t.store.getForTenant('acme', created.id)).toEqual(created);
    expect(await t.store.getForTenant('globex', created.id)).toBeNull();
    expect((await t.store.list('acme', { limit: 10 })).data.map((s) => s.id)).toEqual([created.id]);
    expect((await t.store.list('globex', { limit: 10 })).data).toEqual([]);

    const later = new Date(Date.now() + 60_000);
    const renamed = await t.store.update('acme', created.id, { name: 'renamed' }, later);
    expect(renamed).toMatchObject({ name: 'renamed', armedAt: created.armedAt });
    const rearmed = await t.store.update('acme', created.id, { cron: '0 2 * * *' }, later);
    expect(rearmed?.armedAt).toBe(later.toISOString());
    expect(await t.store.update('globex', created.id, { name: 'stolen' })).toBeNull();

    expect(await t.store.delete('globex', created.id)).toBe(false);
    expect(await t.store.delete('acme', created.id)).toBe(true);
    expect(await t.store.get(created.id)).toBeNull();
    expect(await t.store.ids()).toEqual([]);
  });

  it('refuses a bad cron or zone naming the field', async () => {
    const error = await t.store
      .create('acme', { name: 'x', cron: '61 * * * *', timezone: 'Mars/Olympus', source: inline })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZodError);
    expect((error as ZodError).issues.map((i) => i.path.join('.')).sort()).toEqual([
      'cron',
      'timezone',
    ]);
  });

  it('caps schedules per tenant atomically: concurrent creates never pass the last slot', async () => {
    const capped = new ScheduleStore({ redis: t.redis, maxSchedulesPerTenant: 3 });
    const body = (name: string) => ({ name, cron: '0 1 * * *', source: inline });
    await capped.create('acme', body('first'));
    // Two slots left, ten creates at once: exactly two are written, the rest refused.
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => capped.create('acme', body(`racer ${i}`))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused).toHaveLength(8);
    for (const r of refused)
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ScheduleLimitError);
    expect((await capped.list('acme', { limit: 100 })).data).toHaveLength(3);
    expect(await capped.ids()).toHaveLength(3);
    // Another tenant has its own count; a delete frees a slot.
    await capped.create('globex', body('theirs'));
    const [one] = (await capped.list('acme', { limit: 1 })).data;
    await capped.delete('acme', one?.id as string);
    await expect(capped.create('acme', body('again'))).resolves.toMatchObject({ name: 'again' });
  });

  it('announces every change by counter and pub/sub', async () => {
    const subscriber = createRedis(t.harness.url, 'worker');
    const heard: string[] = [];
    subscriber.on('message', (_channel: string, id: string) => heard.push(id));
    await subscriber.subscribe(scheduleKeys.changes);
    const before = await t.store.version();
    const s = await t.store.create('acme', { name: 'n', cron: '* * * * *', source: inline });
    await t.store.update('acme', s.id, { enabled: false });
    await t.store.delete('acme', s.id);
    expect(await t.store.version()).toBe(before + 3);
    await expect.poll(() => heard).toEqual([s.id, s.id, s.id]);
    subscriber.disconnect();
  });

  it('keeps runs newest first and the last-fire mark only moving forward', async () => {
    const run = (fireTime: string) => ({
      object: 'schedule_run' as const,
      scheduleId: 'sched_x',
      fireTime,
      firedAt: fireTime,
      status: 'empty' as const,
      batchId: null,
      documents: 0,
      errors: [],
      catchUp: false,
    });
    await t.store.recordRun(run('2026-01-02T00:00:00.000Z'));
    await t.store.recordRun(run('2026-01-01T00:00:00.000Z'));
    expect((await t.store.runs('sched_x')).map((r) => r.fireTime)).toEqual([
      '2026-01-02T00:00:00.000Z',
      '2026-01-01T00:00:00.000Z',
    ]);
    expect(await t.store.lastFireAt('sched_x')).toEqual(new Date('2026-01-02T00:00:00.000Z'));
  });
});
