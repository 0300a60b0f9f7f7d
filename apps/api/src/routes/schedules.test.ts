import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiUnderTest } from '../../test-support/api-under-test.ts';

let api: Awaited<ReturnType<typeof apiUnderTest>>;
let inbox: string;
beforeAll(async () => {
  const root = await mkdtemp(join(tmpdir(), 'nightshift-api-inbox-'));
  inbox = join(root, 'inbox');
  await mkdir(join(inbox, 'acme'), { recursive: true });
  await mkdir(join(inbox, 'globex', 'private'), { recursive: true });
  await symlink(tmpdir(), join(inbox, 'escape'));
  await symlink(join(inbox, 'globex'), join(inbox, 'acme', 'neighbour'));
  api = await apiUnderTest({ NIGHTSHIFT_INBOX_DIRS: inbox, NIGHTSHIFT_TZ: 'Europe/Berlin' });
});
beforeEach(async () => {
  await api.client.flushall();
});
afterAll(async () => {
  await api.close();
  await rm(join(inbox, '..'), { recursive: true, force: true });
});

const send = (method: string, path: string, body?: unknown, key = 'acme-key') =>
  api.app.request(path, {
    method,
    headers: { ...api.auth(key), 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
const nightly = {
  name: 'nightly inbox',
  cron: '30 1 * * *',
  source: { kind: 'directory', path: 'acme' },
  batch: { summary: { maxWords: 80 }, completionWindow: '8h' },
  catchUp: 'once',
};
const fields = async (response: Response) => {
  expect(response.status).toBe(422);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  const body = (await response.json()) as { errors: { field: string }[] };
  return body.errors.map((e) => e.field);
};

describe('/v1/schedules', () => {
  it('creates a schedule and shows its next fire times in its zone', async () => {
    const response = await send('POST', '/v1/schedules', nightly);
    expect(response.status).toBe(201);
    const schedule = (await response.json()) as Record<string, unknown> & {
      nextFireTimes: string[];
    };
    expect(response.headers.get('location')).toBe(`/v1/schedules/${schedule.id}`);
    expect(schedule).toMatchObject({
      object: 'schedule',
      timezone: 'Europe/Berlin',
      enabled: true,
      catchUp: 'once',
      source: { kind: 'directory', path: 'acme', recursive: false },
    });
    expect(schedule.nextFireTimes).toHaveLength(5);
    for (const time of schedule.nextFireTimes) {
      const local = new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Berlin',
        hour: '2-digit',
        minute: '2-digit',
      }).format(new Date(time));
      expect(local).toBe('01:30');
    }
  });

  it.each([
    [{ ...nightly, cron: '61 1 * * *' }, 'cron'],
    [{ ...nightly, cron: '0 0 L * *' }, 'cron'],
    [{ ...nightly, timezone: 'Mars/Olympus' }, 'timezone'],
    [{ ...nightly, catchUp: 'always' }, 'catchUp'],
    [{ ...nightly, batch: { completionWindow: 'soon' } }, 'batch.completionWindow'],
    [{ ...nightly, source: { kind: 'inline', documents: [] } }, 'source.documents'],
  ])('answers 422 naming the field for %j', async (body, field) => {
    expect(await fields(await send('POST', '/v1/schedules', body))).toContain(field);
  });

  it("refuses directory sources outside the tenant's own inbox folder, saying the same for all", async () => {
    const details = new Set<string>();
    for (const path of [
      '../etc',
      'escape',
      '/etc',
      'globex', // another tenant's folder, which exists
      'globex/private',
      join(inbox, 'globex'),
      'globex/nothing-here', // and paths that do not exist: the same answer
      'initech',
      'acme/nothing-here',
      'acme/neighbour', // a link from acme's folder into globex's
      '.',
    ]) {
      const response = await send('POST', '/v1/schedules', {
        ...nightly,
        source: { kind: 'directory', path },
      });
      expect(await fields(response.clone()), path).toEqual(['source.path']);
      details.add(((await response.json()) as { detail: string }).detail);
    }
    expect([...details]).toHaveLength(1);
    // The owner may, and a PATCH is held to the same rule.
    const own = await send(
      'POST',
      '/v1/schedules',
      { ...nightly, source: { kind: 'directory', path: 'globex/private' } },
      'globex-key',
    );
    expect(own.status).toBe(201);
    const { id } = (await own.json()) as { id: string };
    const stolen = await send(
      'PATCH',
      `/v1/schedules/${id}`,
      { source: { kind: 'directory', path: 'acme' } },
      'globex-key',
    );
    expect(await fields(stolen)).toEqual(['source.path']);
  });

  it('gets, lists, patches, shows runs and deletes; other tenants get 404', async () => {
    const created = (await (await send('POST', '/v1/schedules', nightly)).json()) as { id: string };
    const path = `/v1/schedules/${created.id}`;
    expect((await send('GET', path)).status).toBe(200);
    for (const [method, p] of [
      ['GET', path],
      ['PATCH', path],
      ['DELETE', path],
      ['GET', `${path}/runs`],
    ] as const) {
      const response = await send(
        method,
        p,
        method === 'PATCH' ? { enabled: false } : undefined,
        'globex-key',
      );
      expect(response.status).toBe(404);
    }
    const list = (await (await send('GET', '/v1/schedules')).json()) as { data: { id: string }[] };
    expect(list.data.map((s) => s.id)).toEqual([created.id]);

    expect(await fields(await send('PATCH', path, { timezone: 'Nowhere/City' }))).toEqual([
      'timezone',
    ]);
    const patched = (await (
      await send('PATCH', path, { cron: '0 2 * * *', timezone: 'America/New_York' })
    ).json()) as {
      cron: string;
      nextFireTimes: string[];
    };
    expect(patched.cron).toBe('0 2 * * *');
    expect(new Date(patched.nextFireTimes[0] as string).getUTCHours()).toBeOneOf([6, 7]); // 02:00 EST/EDT
    const disabled = (await (await send('PATCH', path, { enabled: false })).json()) as {
      nextFireTimes: string[];
    };
    expect(disabled.nextFireTimes).toEqual([]);

    const runs = (await (await send('GET', `${path}/runs`)).json()) as { data: unknown[] };
    expect(runs).toEqual({ object: 'list', data: [] });
    expect((await send('DELETE', path)).status).toBe(204);
    expect((await send('GET', path)).status).toBe(404);
  });
});
