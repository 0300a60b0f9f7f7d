import { chmod, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { textPdf } from '@nightshift/testkit/sample-documents';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { schedulesUnderTest } from '../test-support/schedules-under-test.ts';
import { inboxRefusal, resolveInboxFolder } from './inbox-path.ts';
import { fireKey } from './run-coordinator.ts';

let t: Awaited<ReturnType<typeof schedulesUnderTest>>;
let root: string;
let inbox: string;
let outside: string;
beforeAll(async () => {
  t = await schedulesUnderTest();
});
beforeEach(async () => {
  await t.redis.flushall();
  root = await mkdtemp(join(tmpdir(), 'nightshift-inbox-'));
  inbox = join(root, 'inbox');
  outside = join(root, 'outside');
  await mkdir(join(inbox, 'acme'), { recursive: true });
  await mkdir(outside, { recursive: true });
  await writeFile(join(outside, 'secret.txt'), 'not yours');
});
afterAll(async () => {
  await t.close();
  await rm(root, { recursive: true, force: true });
});

const slot = (s: number) => new Date(Date.UTC(2026, 0, 1, 1, 0, s));
const directory = (path = 'acme') => ({ kind: 'directory' as const, path });

describe('inline source', () => {
  it('creates an ordinary batch carrying scheduleId and the schedule’s batch options', async () => {
    const s = await t.store.create('acme', {
      name: 'inline',
      cron: '0 1 * * *',
      source: {
        kind: 'inline',
        documents: [{ id: 'a', text: 'Text one.' }, { text: 'Text two.' }],
      },
      batch: {
        model: 'qwen2:7b',
        summary: { maxWords: 50 },
        completionWindow: '8h',
        metadata: { k: 'v' },
      },
    });
    const run = await t.firer().fire(s.id, slot(0));
    expect(run).toMatchObject({ status: 'submitted', documents: 2, errors: [], catchUp: false });
    const batch = await t.batches.getForTenant('acme', run?.batchId as string);
    expect(batch).toMatchObject({
      scheduleId: s.id,
      model: 'qwen2:7b',
      completionWindow: '8h',
      summary: { maxWords: 50 },
      metadata: { k: 'v' },
      counts: { total: 2, queued: 2 },
    });
    expect(await t.store.runs(s.id)).toEqual([run]);
  });

  it('fires nothing for a disabled or deleted schedule', async () => {
    const s = await t.store.create('acme', {
      name: 'off',
      cron: '0 1 * * *',
      enabled: false,
      source: { kind: 'inline', documents: [{ text: 'x' }] },
    });
    expect(await t.firer().fire(s.id, slot(0))).toBeNull();
    expect(await t.firer().fire('sched_gone', slot(0))).toBeNull();
  });
});

describe('directory source', () => {
  it('takes only new or changed files, once each', async () => {
    const dir = join(inbox, 'acme');
    await writeFile(join(dir, 'a.txt'), 'First text.');
    await writeFile(join(dir, 'b.pdf'), await textPdf(['A PDF page.']));
    await writeFile(join(dir, 'ignored.png'), 'not a document type');
    await writeFile(join(dir, '.partial.txt'), 'hidden upload');
    const s = await t.store.create('acme', { name: 'dir', cron: '0 1 * * *', source: directory() });
    const firer = t.firer({ inboxDirs: [inbox] });

    const first = await firer.fire(s.id, slot(0));
    expect(first).toMatchObject({ status: 'submitted', documents: 2, errors: [] });
    const second = await firer.fire(s.id, slot(1));
    expect(second).toMatchObject({ status: 'empty', batchId: null, documents: 0 });

    await writeFile(join(dir, 'a.txt'), 'First text, edited.');
    await writeFile(join(dir, 'c.txt'), 'A newcomer.');
    const third = await firer.fire(s.id, slot(2));
    expect(third).toMatchObject({ status: 'submitted', documents: 2 });
    const ids: string[] = [];
    for await (const line of t.batches.results(third?.batchId as string)) ids.push(line.documentId);
    expect(ids).toEqual(['a.txt', 'c.txt']);

    // Same bytes, new mtime: a changed file by the (path, size, mtime, hash) rule.
    await utimes(join(dir, 'c.txt'), new Date(), new Date(Date.now() + 5_000));
    expect(await firer.fire(s.id, slot(3))).toMatchObject({ status: 'submitted', documents: 1 });
    expect((await t.store.runs(s.id)).map((r) => r.status)).toEqual([
      'submitted',
      'submitted',
      'empty',
      'submitted',
    ]);
  });

  it('records unreadable, escaping and too-large files as per-document errors', async () => {
    const dir = join(inbox, 'acme');
    await writeFile(join(dir, 'good.txt'), 'Readable text.');
    await writeFile(join(dir, 'locked.txt'), 'Cannot be read.');
    await writeFile(join(dir, 'big.txt'), 'x'.repeat(2000));
    await symlink(join(outside, 'secret.txt'), join(dir, 'escape.txt'));
    await symlink(join(dir, 'nowhere.txt'), join(dir, 'dangling.txt'));
    // Root reads through chmod 000, so as root the same EACCES comes from the read seam.
    const asRoot = process.getuid?.() === 0;
    if (!asRoot) await chmod(join(dir, 'locked.txt'), 0o000);
    const readFile = async (path: string) => {
      if (asRoot && path.endsWith('locked.txt')) {
        throw Object.assign(new Error('permission denied'), { code: 'EACCES' });
      }
      const { readFile: read } = await import('node:fs/promises');
      return read(path);
    };
    const s = await t.store.create('acme', { name: 'dir', cron: '0 1 * * *', source: directory() });
    const run = await t
      .firer({ inboxDirs: [inbox], maxDocumentBytes: 1000, readFile })
      .fire(s.id, slot(0));
    expect(run?.status).toBe('submitted');
    expect(run?.documents).toBe(5);
    expect(run?.errors).toEqual([
      { documentId: 'big.txt', code: 'too_large', message: expect.any(String) },
      {
        documentId: 'dangling.txt',
        code: 'unreadable',
        message: expect.stringContaining('ENOENT'),
      },
      { documentId: 'escape.txt', code: 'path_escape', message: expect.any(String) },
      { documentId: 'locked.txt', code: 'unreadable', message: expect.stringContaining('EACCES') },
    ]);
    const batch = await t.batches.getForTenant('acme', run?.batchId as string);
    expect(batch?.counts).toMatchObject({ total: 5, failed: 4, queued: 1 });
  });

  it("refuses folders outside the tenant's own inbox folder, with one answer for all", async () => {
    await mkdir(join(inbox, 'globex', 'private'), { recursive: true });
    await symlink(outside, join(inbox, 'acme', 'sneaky'));
    await symlink(join(inbox, 'globex'), join(inbox, 'acme', 'neighbour'));
    await writeFile(join(inbox, 'acme', 'file.txt'), 'not a folder');
    expect(await resolveInboxFolder('acme', [inbox], 'acme')).toMatchObject({ ok: true });
    expect(await resolveInboxFolder(join(inbox, 'acme'), [inbox], 'acme')).toMatchObject({
      ok: true,
    });
    // Another tenant's folder (existing or not), the inbox root, `..`, symlinks leading out,
    // a file, a path that does not exist: all the same refusal, so nothing is learnt from it.
    for (const path of [
      'globex',
      'globex/private',
      join(inbox, 'globex'),
      'globex/does-not-exist',
      'initech',
      '.',
      inbox,
      'acme/../globex',
      'acme/../../outside',
      'acme/sneaky',
      'acme/neighbour',
      'acme/file.txt',
      'acme/does-not-exist',
      outside,
      '/etc',
    ]) {
      expect(await resolveInboxFolder(path, [inbox], 'acme'), path).toEqual({
        ok: false,
        message: inboxRefusal,
      });
    }
    // Tenant names that would not name a sub-folder get no inbox at all.
    expect(await resolveInboxFolder(inbox, [inbox], '..')).toMatchObject({ ok: false });
    expect(await resolveInboxFolder(inbox, [inbox], '.')).toMatchObject({ ok: false });
    expect(await resolveInboxFolder('acme', [], 'acme')).toMatchObject({ ok: false });
  });

  it('checks the folder again at every fire: a symlink swapped in later does not lead out', async () => {
    const daily = join(inbox, 'acme', 'daily');
    await mkdir(daily);
    await writeFile(join(daily, 'mine.txt'), 'Acme text.');
    await mkdir(join(inbox, 'globex'));
    await writeFile(join(inbox, 'globex', 'theirs.txt'), 'Globex secret.');
    const s = await t.store.create('acme', {
      name: 'dir',
      cron: '0 1 * * *',
      source: directory('acme/daily'),
    });
    const firer = t.firer({ inboxDirs: [inbox] });
    expect(await firer.fire(s.id, slot(0))).toMatchObject({ status: 'submitted', documents: 1 });

    // The folder is swapped for a link to another tenant's folder after the schedule was made.
    await rm(daily, { recursive: true });
    await symlink(join(inbox, 'globex'), daily);
    const run = await firer.fire(s.id, slot(1));
    expect(run).toMatchObject({
      status: 'failed',
      batchId: null,
      errors: [{ code: 'source_refused', message: `source.path: ${inboxRefusal}` }],
    });
    expect((await t.batches.list('acme', { limit: 10 })).data).toHaveLength(1);
  });

  it('takes no more bytes per fire than NIGHTSHIFT_MAX_BATCH_BYTES: the rest wait for the next', async () => {
    const dir = join(inbox, 'acme');
    for (const name of ['a.txt', 'b.txt', 'c.txt'])
      await writeFile(join(dir, name), 'x'.repeat(400));
    await writeFile(join(dir, 'huge.txt'), 'y'.repeat(900));
    const s = await t.store.create('acme', { name: 'dir', cron: '0 1 * * *', source: directory() });
    const firer = t.firer({
      inboxDirs: [inbox],
      quotas: { maxQueuedPerTenant: 100, maxBatchBytes: 850 },
    });
    const first = await firer.fire(s.id, slot(0));
    // a and b fit (800 bytes); c would pass 850; huge can never fit and is an error at once.
    expect(first).toMatchObject({
      status: 'submitted',
      documents: 3,
      errors: [{ documentId: 'huge.txt', code: 'too_large' }],
    });
    expect(await firer.fire(s.id, slot(1))).toMatchObject({ status: 'submitted', documents: 1 });
    expect(await firer.fire(s.id, slot(2))).toMatchObject({ status: 'empty' });
  });
});

describe('quotas', () => {
  const inlineTwo = { kind: 'inline' as const, documents: [{ text: 'One.' }, { text: 'Two.' }] };

  it("records a fire that would pass the tenant's unfinished-documents quota as skipped_quota", async () => {
    await t.tenantQuotas.set('acme', { maxQueuedDocuments: 5 });
    const s = await t.store.create('acme', { name: 'q', cron: '0 1 * * *', source: inlineTwo });
    const firer = t.firer({
      quotas: { overrides: t.tenantQuotas, maxQueuedPerTenant: 100_000, maxBatchBytes: 10_000 },
    });
    const runs = [];
    for (let i = 0; i < 4; i++) runs.push(await firer.fire(s.id, slot(i)));
    expect(runs.map((r) => r?.status)).toEqual([
      'submitted',
      'submitted',
      'skipped_quota',
      'skipped_quota',
    ]);
    expect(runs[2]).toMatchObject({
      batchId: null,
      documents: 0,
      errors: [{ code: 'queued_quota_exceeded', message: expect.stringContaining('quota of 5') }],
    });
    expect(await t.batches.unfinishedDocuments('acme')).toBe(4);
    expect((await t.batches.list('acme', { limit: 10 })).data).toHaveLength(2);
    expect((await t.store.runs(s.id)).map((r) => r.status)).toEqual([
      'skipped_quota',
      'skipped_quota',
      'submitted',
      'submitted',
    ]);
  });

  it('applies the configured default when the tenant has no override, and concurrent fires cannot both pass', async () => {
    const a = await t.store.create('acme', { name: 'a', cron: '0 1 * * *', source: inlineTwo });
    const b = await t.store.create('acme', { name: 'b', cron: '0 1 * * *', source: inlineTwo });
    const firer = t.firer({ quotas: { maxQueuedPerTenant: 3, maxBatchBytes: 10_000 } });
    const runs = await Promise.all([firer.fire(a.id, slot(0)), firer.fire(b.id, slot(0))]);
    expect(runs.map((r) => r?.status).sort()).toEqual(['skipped_quota', 'submitted']);
    expect(await t.batches.unfinishedDocuments('acme')).toBe(2);
  });

  it('hands a skipped directory fire its files back: a later fire takes them', async () => {
    const dir = join(inbox, 'acme');
    await writeFile(join(dir, 'a.txt'), 'Waiting text.');
    const s = await t.store.create('acme', { name: 'dir', cron: '0 1 * * *', source: directory() });
    await t.tenantQuotas.set('acme', { maxQueuedDocuments: 1 });
    const blocker = await t.store.create('acme', {
      name: 'blocker',
      cron: '0 1 * * *',
      source: { kind: 'inline', documents: [{ text: 'Fills the quota.' }] },
    });
    const firer = t.firer({ inboxDirs: [inbox] });
    expect(await firer.fire(blocker.id, slot(0))).toMatchObject({ status: 'submitted' });
    expect(await firer.fire(s.id, slot(0))).toMatchObject({ status: 'skipped_quota' });
    await t.tenantQuotas.set('acme', { maxQueuedDocuments: 2 });
    expect(await firer.fire(s.id, slot(1))).toMatchObject({ status: 'submitted', documents: 1 });
  });
});

describe('exactly once and catch-up', () => {
  it('lets one of many claimants fire a slot', async () => {
    const s = await t.store.create('acme', {
      name: 'n',
      cron: '* * * * * *',
      source: { kind: 'inline', documents: [{ text: 'x' }] },
    });
    const firers = [t.firer(), t.firer(), t.firer(), t.firer()];
    const runs = await Promise.all(firers.map((f) => f.claimAndFire(s.id, slot(5))));
    expect(runs.filter(Boolean)).toHaveLength(1);
    expect(await t.coordinator.shouldRun(fireKey(s.id, slot(5)), 1000)).toBe(false);
    expect(await t.store.runs(s.id)).toHaveLength(1);
  });

  const missedSetup = async (catchUp: 'none' | 'once') => {
    // Created at 00:00, schedulers all down until 03:30: the 01:00, 02:00 and 03:00 fires passed.
    const created = new Date('2026-03-29T00:00:00Z');
    const s = await t.store.create(
      'acme',
      {
        name: 'hourly',
        cron: '0 * * * *',
        timezone: 'UTC',
        catchUp,
        source: { kind: 'inline', documents: [{ text: 'x' }] },
      },
      created,
    );
    const now = () => new Date('2026-03-29T03:30:00Z');
    return { s, firers: [t.firer({ now }), t.firer({ now }), t.firer({ now })] };
  };

  it('catchUp once: one late fire of the latest missed slot, however many replicas start', async () => {
    const { s, firers } = await missedSetup('once');
    const runs = await Promise.all(firers.map((f) => f.catchUp(s.id)));
    expect(runs.filter(Boolean)).toEqual([
      expect.objectContaining({
        status: 'submitted',
        fireTime: '2026-03-29T03:00:00.000Z',
        catchUp: true,
      }),
    ]);
    expect(await firers[0]?.catchUp(s.id)).toBeNull(); // nothing missed any more
    expect(await t.store.runs(s.id)).toHaveLength(1);
  });

  it('catchUp none: no batch, one missed run saying how many fires passed', async () => {
    const { s, firers } = await missedSetup('none');
    const runs = await Promise.all(firers.map((f) => f.catchUp(s.id)));
    expect(runs.filter(Boolean)).toEqual([
      expect.objectContaining({
        status: 'missed',
        missedCount: 3,
        batchId: null,
        fireTime: '2026-03-29T03:00:00.000Z',
      }),
    ]);
    expect((await t.batches.list('acme', { limit: 10 })).data).toEqual([]);
    expect(await firers[0]?.catchUp(s.id)).toBeNull();
  });
});
