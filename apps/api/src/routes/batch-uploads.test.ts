import type { ColdJobData } from '@nightshift/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiUnderTest } from '../../test-support/api-under-test.ts';

const MiB = 1024 * 1024;
let api: Awaited<ReturnType<typeof apiUnderTest>>;
beforeAll(async () => {
  api = await apiUnderTest({
    NIGHTSHIFT_MAX_BODY_BYTES: String(8 * MiB),
    NIGHTSHIFT_MAX_DOCUMENT_BYTES: String(3 * MiB),
    NIGHTSHIFT_MAX_BATCH_BYTES: String(6 * MiB),
    NIGHTSHIFT_MAX_DOCUMENTS: '4',
  });
});
beforeEach(async () => {
  await api.client.flushall();
});
afterAll(async () => {
  await api.close();
});

/** `size` bytes of text whose head names `seed` (every file distinct). */
const textOf = (seed: string, size: number) =>
  `${seed} `.padEnd(size, 'The night batch ran while the hot lane served users. ');

const upload = (
  files: { name: string; body: string | Uint8Array; type?: string }[],
  options?: unknown,
) => {
  const form = new FormData();
  if (options !== undefined) form.append('options', JSON.stringify(options));
  for (const f of files)
    form.append('file', new Blob([f.body], { type: f.type ?? 'text/plain' }), f.name);
  return api.app.request('/v1/batches', { method: 'POST', headers: api.auth(), body: form });
};

const blobKeys = () => api.client.keys('{nightshift}:blob:*');
/** The data of every cold job (BullMQ keeps each job as a hash with a `data` field). */
const coldJobs = async (): Promise<ColdJobData[]> => {
  const jobs: ColdJobData[] = [];
  for (const key of await api.client.keys('{nightshift}:cold:*')) {
    if ((await api.client.type(key)) !== 'hash') continue;
    const data = await api.client.hget(key, 'data');
    if (data) jobs.push(JSON.parse(data) as ColdJobData);
  }
  return jobs;
};

describe('multipart uploads streamed into Redis blobs', () => {
  it('streams a large file into one blob that the job references', async () => {
    const body = textOf('big', 2.5 * MiB);
    const response = await upload([{ name: 'big.txt', body }], { metadata: { run: 'x' } });
    expect(response.status).toBe(202);
    const [job] = await coldJobs();
    expect(job?.content).toEqual({
      kind: 'blob',
      key: expect.stringMatching(/^\{nightshift\}:blob:/),
      type: 'text',
      bytes: body.length,
    });
    const { key } = (job as ColdJobData).content as { key: string };
    expect((await api.client.getBuffer(key))?.toString('utf8')).toBe(body);
    expect(await api.client.ttl(key)).toBeGreaterThan(0);
    // The job payload stays small: a reference, not the document.
    expect(JSON.stringify(job).length).toBeLessThan(1000);
  });

  it('refuses one too-large file as too_large, keeps the others, and leaves no blob for it', async () => {
    const response = await upload([
      { name: 'a.txt', body: textOf('a', 1000) },
      { name: 'huge.txt', body: textOf('huge', 3 * MiB + 1) },
      { name: 'fake.pdf', body: textOf('fake', 5000), type: 'application/pdf' },
      { name: 'b.txt', body: textOf('b', 2000) },
    ]);
    expect(response.status).toBe(202);
    const batch = (await response.json()) as { id: string; counts: Record<string, number> };
    expect(batch.counts).toMatchObject({ total: 4, queued: 2, failed: 2 });
    const results = [];
    for await (const r of api.store.results(batch.id)) results.push(r);
    expect(
      Object.fromEntries(results.map((r) => [r.documentId, r.error?.code ?? r.status])),
    ).toEqual({
      'a.txt': 'queued',
      'huge.txt': 'too_large',
      'fake.pdf': 'not_a_pdf',
      'b.txt': 'queued',
    });
    const referenced = (await coldJobs()).map((j) => (j.content as { key: string }).key).sort();
    expect((await blobKeys()).sort()).toEqual(referenced);
    expect(referenced).toHaveLength(2);
  });

  it('deletes the blobs of documents taken off the queue by a cancel at once', async () => {
    const response = await upload([
      { name: 'c1.txt', body: textOf('c1', 4000) },
      { name: 'c2.txt', body: textOf('c2', 4000) },
    ]);
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    const keys = (await coldJobs())
      .filter((job) => job.batchId === id && job.content.kind === 'blob')
      .map((job) => (job.content as { key: string }).key);
    expect(keys).toHaveLength(2);
    expect(await api.client.exists(...keys)).toBe(2);
    const cancelled = await api.app.request(`/v1/batches/${id}/cancel`, {
      method: 'POST',
      headers: api.auth(),
    });
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({ counts: { cancelled: 2 } });
    expect(await api.client.exists(...keys)).toBe(0);
  });

  it('leaves no blob behind when the request is refused', async () => {
    const small = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ name: `f${i}.txt`, body: textOf(`f${i}`, 4000) }));
    // Over NIGHTSHIFT_MAX_DOCUMENTS.
    const many = await upload(small(5));
    expect(many.status).toBe(413);
    expect(await many.json()).toMatchObject({ limit: 4, received: 5 });
    // Options invalid, sent after the files.
    const form = new FormData();
    form.append('file', new Blob([textOf('x', 4000)]), 'x.txt');
    form.append('options', JSON.stringify({ completionWindow: 'forever' }));
    const invalid = await api.app.request('/v1/batches', {
      method: 'POST',
      headers: api.auth(),
      body: form,
    });
    expect(invalid.status).toBe(422);
    // Options that are not JSON at all, and a form with no file part.
    const garbled = new FormData();
    garbled.append('file', new Blob([textOf('g', 4000)]), 'g.txt');
    garbled.append('options', '{"summary": ');
    const notJson = await api.app.request('/v1/batches', {
      method: 'POST',
      headers: api.auth(),
      body: garbled,
    });
    expect(notJson.status).toBe(400);
    expect(notJson.headers.get('content-type')).toContain('application/problem+json');
    const onlyOptions = new FormData();
    onlyOptions.append('options', '{}');
    const noFile = await api.app.request('/v1/batches', {
      method: 'POST',
      headers: api.auth(),
      body: onlyOptions,
    });
    expect(noFile.status).toBe(422);
    expect(((await noFile.json()) as { errors: { field: string }[] }).errors[0]?.field).toBe(
      'file',
    );
    // Over NIGHTSHIFT_MAX_BATCH_BYTES (checked after intake).
    const heavy = await upload([
      { name: 'h1.txt', body: textOf('h1', 2.5 * MiB) },
      { name: 'h2.txt', body: textOf('h2', 2.5 * MiB) },
      { name: 'h3.txt', body: textOf('h3', 2.5 * MiB) },
    ]);
    expect(heavy.status).toBe(413);
    // A body cut off in the middle of a file part.
    const truncated = await api.app.request('/v1/batches', {
      method: 'POST',
      headers: { ...api.auth(), 'content-type': 'multipart/form-data; boundary=XX' },
      body: `--XX\r\ncontent-disposition: form-data; name="file"; filename="t.txt"\r\n\r\n${textOf('t', 600_000)}`,
    });
    expect(truncated.status).toBe(400);
    expect(await blobKeys()).toEqual([]);
    expect(await coldJobs()).toEqual([]);
  });

  it('refuses a chunked body over NIGHTSHIFT_MAX_BODY_BYTES with 413, without buffering it', async () => {
    const form = new FormData();
    form.append('file', new Blob([textOf('c', 9 * MiB)]), 'c.txt');
    const bytes = new Uint8Array(await new Response(form).arrayBuffer());
    const type = new Response(form).headers.get('content-type') as string;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 64 * 1024) {
          controller.enqueue(bytes.subarray(at, at + 64 * 1024));
        }
        controller.close();
      },
    });
    const response = await api.app.request('/v1/batches', {
      method: 'POST',
      headers: { ...api.auth(), 'content-type': type },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(await blobKeys()).toEqual([]);
  });
});
