import { corruptPdf, textPdf } from '@nightshift/testkit/sample-documents';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiUnderTest } from '../../test-support/api-under-test.ts';

let api: Awaited<ReturnType<typeof apiUnderTest>>;
beforeAll(async () => {
  api = await apiUnderTest({ NIGHTSHIFT_MAX_BODY_BYTES: String(2 * 1024 * 1024) });
});
beforeEach(async () => {
  await api.client.flushall();
});
afterAll(async () => {
  await api.close();
});

async function expectProblem(response: Response, status: number, detail?: RegExp) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  const body = (await response.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status, type: expect.any(String), title: expect.any(String) });
  if (detail) expect(String(body.detail)).toMatch(detail);
  return body;
}

const coldJobs = async () => api.client.keys('{nightshift}:cold:*');

describe('POST /v1/batches', () => {
  it('accepts a JSON batch with 202, a Location and the batch object', async () => {
    const response = await api.postJson('/v1/batches', {
      documents: [{ id: 'a', text: 'First document.' }, { text: 'Second document.' }],
      metadata: { run: 'nightly' },
    });
    expect(response.status).toBe(202);
    const batch = (await response.json()) as Record<string, unknown>;
    expect(response.headers.get('location')).toBe(`/v1/batches/${batch.id}`);
    expect(batch).toMatchObject({
      object: 'batch',
      status: 'queued',
      model: 'qwen3:32b',
      completionWindow: '24h',
      counts: { total: 2, queued: 2, running: 0, succeeded: 0, failed: 0 },
      metadata: { run: 'nightly' },
    });
    const created = Date.parse(batch.createdAt as string);
    expect(Date.parse(batch.expiresAt as string) - created).toBe(24 * 3600 * 1000);
  });

  it('accepts multipart PDFs and text files with an options part', async () => {
    const form = new FormData();
    form.append(
      'file',
      new Blob([await textPdf(['Quarterly report page one.'])], { type: 'application/pdf' }),
      'q3.pdf',
    );
    form.append('file', new Blob(['Plain notes.'], { type: 'text/plain' }), 'notes.txt');
    form.append('options', JSON.stringify({ summary: { maxWords: 40 }, completionWindow: '2h' }));
    const response = await api.app.request('/v1/batches', {
      method: 'POST',
      headers: api.auth(),
      body: form,
    });
    expect(response.status).toBe(202);
    const batch = (await response.json()) as {
      counts: { total: number };
      summary: unknown;
      completionWindow: string;
    };
    expect(batch.counts.total).toBe(2);
    expect(batch.summary).toEqual({ maxWords: 40 });
    expect(batch.completionWindow).toBe('2h');
  });

  it('records a "PDF" that is not one as a per-document error, never queued', async () => {
    const response = await api.postJson('/v1/batches', {
      documents: [
        { id: 'fake', pdf: Buffer.from('just text pretending').toString('base64') },
        { id: 'ok', text: 'A real text.' },
      ],
    });
    expect(response.status).toBe(202);
    const batch = (await response.json()) as { id: string; counts: Record<string, number> };
    expect(batch.counts).toMatchObject({ total: 2, failed: 1, queued: 1 });
    const results = await api.app.request(`/v1/batches/${batch.id}/results`, {
      headers: api.auth(),
    });
    const lines = (await results.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({
      documentId: 'fake',
      status: 'failed',
      error: { code: 'not_a_pdf' },
    });
    expect(lines[1]).toMatchObject({ documentId: 'ok', status: 'queued' });
    expect((await coldJobs()).some((k) => k.endsWith(`${batch.id}-0`))).toBe(false);
  });

  it('queues a corrupt PDF (it has a header) for the worker to judge', async () => {
    const response = await api.postJson('/v1/batches', {
      documents: [{ pdf: Buffer.from(await corruptPdf()).toString('base64') }],
    });
    expect(response.status).toBe(202);
  });

  it('answers 401 without a key or with a wrong one', async () => {
    const none = await api.app.request('/v1/batches', { method: 'POST', body: '{}' });
    await expectProblem(none, 401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    await expectProblem(await api.postJson('/v1/batches', {}, 'wrong-key'), 401, /not valid/);
  });

  it('answers 400 for malformed JSON', async () => {
    await expectProblem(
      await api.postJson('/v1/batches', '{"documents": ['),
      400,
      /not valid JSON/,
    );
  });

  it('answers 415 for other content types', async () => {
    const response = await api.app.request('/v1/batches', {
      method: 'POST',
      headers: { ...api.auth(), 'content-type': 'text/csv' },
      body: 'a,b',
    });
    await expectProblem(response, 415);
  });

  it.each([
    [{ documents: [] }, 'documents'],
    [{ documents: [{ text: 12 }] }, 'documents.0.text'],
    [{ documents: [{ text: 'x' }], summary: { style: 'haiku' } }, 'summary.style'],
    [{ documents: [{ text: 'x' }], completionWindow: 'soon' }, 'completionWindow'],
    [
      {
        documents: [
          { id: 'a', text: 'x' },
          { id: 'a', text: 'y' },
        ],
      },
      'documents.1.id',
    ],
  ])('answers 422 naming the field for %j', async (body, field) => {
    const problem = await expectProblem(await api.postJson('/v1/batches', body), 422);
    expect((problem.errors as { field: string }[]).map((e) => e.field)).toContain(field);
    expect(await coldJobs()).toEqual([]);
  });

  it('refuses 10,001 documents over the default limit of 10,000', async () => {
    const documents = Array.from({ length: 10_001 }, (_, i) => ({ text: `d${i}` }));
    await expectProblem(await api.postJson('/v1/batches', { documents }), 413, /at most 10000/);
    expect(await coldJobs()).toEqual([]);
  });

  it('answers 413 for a body over the size limit', async () => {
    const big = 'x'.repeat(3 * 1024 * 1024);
    await expectProblem(await api.postJson('/v1/batches', { documents: [{ text: big }] }), 413);
  });

  it('refuses webhook URLs aimed at private ranges with 422', async () => {
    for (const url of [
      'http://127.0.0.1:9/hook',
      'http://169.254.169.254/latest',
      'http://10.1.2.3/x',
      'ftp://example.com/x',
    ]) {
      const problem = await expectProblem(
        await api.postJson('/v1/batches', { documents: [{ text: 'x' }], webhook: { url } }),
        422,
      );
      expect(String(problem.detail)).toMatch(/^webhook\.url/);
    }
    // What a name resolves to stays on the server: the answer names no address and no range.
    const problem = await expectProblem(
      await api.postJson('/v1/batches', {
        documents: [{ text: 'x' }],
        webhook: { url: 'http://localhost:9/hook' },
      }),
      422,
    );
    expect(problem.detail).toBe(
      'webhook.url: the host does not resolve to an address that is allowed',
    );
    expect(JSON.stringify(problem)).not.toMatch(/127\.0\.0\.1|::1|loopback/);
    expect(await coldJobs()).toEqual([]);
  });
});

describe('reading batches', () => {
  it('never shows one tenant another tenant’s batch', async () => {
    const created = await api.postJson('/v1/batches', { documents: [{ text: 'secret' }] });
    const { id } = (await created.json()) as { id: string };
    for (const path of [`/v1/batches/${id}`, `/v1/batches/${id}/results`]) {
      await expectProblem(await api.app.request(path, { headers: api.auth('globex-key') }), 404);
    }
    await expectProblem(await api.postJson(`/v1/batches/${id}/cancel`, {}, 'globex-key'), 404);
    const list = await api.app.request('/v1/batches', { headers: api.auth('globex-key') });
    expect(((await list.json()) as { data: unknown[] }).data).toEqual([]);
    const mine = await api.app.request(`/v1/batches/${id}`, { headers: api.auth() });
    expect(mine.status).toBe(200);
  });

  it('lists newest first with limit and after', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await api.postJson('/v1/batches', { documents: [{ text: `n${i}` }] });
      ids.push(((await response.json()) as { id: string }).id);
      await new Promise((r) => setTimeout(r, 2));
    }
    type Page = { data: { id: string }[]; hasMore: boolean; lastId: string };
    const first = (await (
      await api.app.request('/v1/batches?limit=2', { headers: api.auth() })
    ).json()) as Page;
    expect(first.data.map((b: { id: string }) => b.id)).toEqual([ids[2], ids[1]]);
    expect(first.hasMore).toBe(true);
    const next = (await (
      await api.app.request(`/v1/batches?limit=2&after=${first.lastId}`, { headers: api.auth() })
    ).json()) as Page;
    expect(next.data.map((b: { id: string }) => b.id)).toEqual([ids[0]]);
    await expectProblem(await api.app.request('/v1/batches?limit=0', { headers: api.auth() }), 422);
  });

  it('cancels a queued batch', async () => {
    const created = await api.postJson('/v1/batches', {
      documents: [{ text: 'a' }, { text: 'b' }],
    });
    const { id } = (await created.json()) as { id: string };
    const cancelled = await api.postJson(`/v1/batches/${id}/cancel`, {});
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({
      status: 'cancelled',
      counts: { cancelled: 2, queued: 0 },
    });
  });

  it('answers unknown routes and ids with problem+json 404', async () => {
    await expectProblem(await api.app.request('/v1/nothing', { headers: api.auth() }), 404);
    await expectProblem(
      await api.app.request('/v1/batches/batch_missing', { headers: api.auth() }),
      404,
    );
  });
});

describe('health', () => {
  it('answers healthz and readyz', async () => {
    expect((await api.app.request('/healthz')).status).toBe(200);
    expect(await (await api.app.request('/readyz')).json()).toEqual({ status: 'ready' });
  });
});
