import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { sampleTexts, textPdf } from '@nightshift/testkit/sample-documents';
import { generateWebhookSecret } from '@nightshift/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServiceProcess, startService } from '../../../test/support/service-process.ts';
import { runCliToEnd, spawnCli } from '../test-support/run-cli.ts';

const key = 'cli-test-key';
let redis: RedisHarness;
let dir: string;
let serviceEnv: Record<string, string>;
let cliEnv: Record<string, string>;
const services: ServiceProcess[] = [];

beforeAll(async () => {
  redis = await startRedis();
  dir = await mkdtemp(join(tmpdir(), 'nightshift-cli-'));
  const port = await freePort();
  serviceEnv = {
    REDIS_URL: redis.url,
    PORT: String(port),
    NIGHTSHIFT_API_KEYS: `acme:${key}`,
    NIGHTSHIFT_WEBHOOK_SECRET: generateWebhookSecret(),
    NIGHTSHIFT_PROVIDER: 'extractive',
    NIGHTSHIFT_GPU_PROBE: 'none',
    NIGHTSHIFT_COLD_WINDOWS: 'always',
  };
  cliEnv = { NIGHTSHIFT_URL: `http://127.0.0.1:${port}`, NIGHTSHIFT_API_KEY: key };
  // No worker yet: the first test needs a batch that stays queued until it is cancelled.
  services.push(startService('api', serviceEnv), startService('notifier', serviceEnv));
  await Promise.all([
    services[0]?.waitForOutput(/api listening/),
    services[1]?.waitForOutput(/notifier running/),
  ]);
  await writeFile(join(dir, 'report.pdf'), await textPdf([sampleTexts.gpuIncident]));
  await writeFile(join(dir, 'notes.txt'), sampleTexts.meetingNotes);
});
afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()));
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('nightshift client commands against a running stack', () => {
  it('submit --wait exits 3 when the batch is cancelled while it is followed', async () => {
    const follower = spawnCli(
      ['submit', join(dir, 'notes.txt'), '--wait', '--interval', '100'],
      cliEnv,
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (/Batch batch_\w+ accepted/.test(follower.stderr())) {
          clearInterval(timer);
          resolve();
        } else if (follower.proc.exitCode !== null) {
          clearInterval(timer);
          reject(new Error(follower.stderr()));
        }
      }, 50);
    });
    const id = /Batch (batch_\w+) accepted/.exec(follower.stderr())?.[1] as string;
    const cancel = await runCliToEnd(['cancel', id], cliEnv);
    expect(cancel.code).toBe(0);
    expect(JSON.parse(cancel.stdout)).toMatchObject({ id, status: 'cancelled' });
    expect(await follower.exited).toBe(3);
    expect(JSON.parse(follower.stdout())).toMatchObject({ id, status: 'cancelled' });
  });

  it('submit --wait follows real files to completion, then results prints NDJSON', async () => {
    const worker = startService('worker', serviceEnv);
    services.push(worker);
    await worker.waitForOutput(/worker running/);

    const files = [join(dir, 'report.pdf'), join(dir, 'notes.txt')];
    const submit = await runCliToEnd(
      ['submit', ...files, '--wait', '--interval', '100', '--max-words', '40'],
      cliEnv,
    );
    expect(submit.code, submit.stderr).toBe(0);
    expect(submit.stderr).toMatch(/\[#{30}\] 2\/2 · completed/);
    const batch = JSON.parse(submit.stdout) as { id: string; status: string; summary: object };
    expect(batch).toMatchObject({ status: 'completed', summary: { maxWords: 40 } });

    const results = await runCliToEnd(['results', batch.id], cliEnv);
    expect(results.code).toBe(0);
    const lines = results.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { documentId: string; status: string; summary: string });
    expect(lines.map((l) => l.documentId).sort()).toEqual(['notes.txt', 'report.pdf']);
    for (const line of lines) {
      expect(line.status).toBe('succeeded');
      expect(line.summary.length).toBeGreaterThan(20);
    }

    const status = await runCliToEnd(['status', batch.id], cliEnv);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ id: batch.id, status: 'completed' });
  });

  it('schedules create, list and delete pass JSON through to /v1/schedules', async () => {
    const body = {
      name: 'nightly',
      cron: '0 2 * * *',
      source: { kind: 'inline', documents: [{ text: sampleTexts.meetingNotes }] },
    };
    await writeFile(join(dir, 'nightly.json'), JSON.stringify(body));
    const created = await runCliToEnd(
      ['schedules', 'create', `@${join(dir, 'nightly.json')}`],
      cliEnv,
    );
    expect(created.code, created.stderr).toBe(0);
    const { id } = JSON.parse(created.stdout) as { id: string };

    const listed = await runCliToEnd(['schedules', 'list'], cliEnv);
    expect(listed.code).toBe(0);
    expect(JSON.stringify(JSON.parse(listed.stdout))).toContain(id);

    expect((await runCliToEnd(['schedules', 'delete', id], cliEnv)).code).toBe(0);
    const again = await runCliToEnd(['schedules', 'delete', id], cliEnv);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('404');
  });

  it('exits 2 with the problem+json on stderr for a bad key', async () => {
    const run = await runCliToEnd(['list', '--key', 'not-a-key'], cliEnv);
    expect(run.code).toBe(2);
    const problem = JSON.parse(run.stderr.slice(run.stderr.indexOf('{'))) as { status: number };
    expect(problem.status).toBe(401);
    expect(run.stdout).toBe('');
  });

  it('exits 4 when nothing listens at the API URL', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const run = await runCliToEnd(['status', 'batch_x', '--url', closed], cliEnv);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain(`Cannot reach the API at ${closed}`);
  });

  it('exits 1 on usage errors: no files, an unreadable file, an unknown flag', async () => {
    for (const args of [['submit'], ['submit', join(dir, 'missing.pdf')], ['list', '--nope']]) {
      const run = await runCliToEnd(args, cliEnv);
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.stderr).toMatch(/nightshift (submit|list):/);
    }
  });
});
