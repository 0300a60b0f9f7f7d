import { keyPrefix } from '@nightshift/core';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayUnderTest } from '../../test-support/gateway-under-test.ts';

// A hostile tenant's files: a storage quota per tenant (bytes and files, enforced while the
// bytes stream in), uploads and batch creates on the batch submission rate limit, and a file
// kept by schedules that gets its expiry back once no schedule uses it.

const adminKey = 'admin-secret-key-0123456789';
const upstream = { OLLAMA_HOST: 'http://127.0.0.1:9', NIGHTSHIFT_PROVIDER: 'ollama' };
const line = (i: number, pad = 0) =>
  `${JSON.stringify({
    custom_id: `r${i}`,
    method: 'POST',
    url: '/v1/embeddings',
    body: { model: 'qwen2:7b', input: `text ${i} ${'x'.repeat(pad)}` },
  })}\n`;
/** A batch file of exactly about `bytes` bytes (whole lines). */
const fileOf = (bytes: number) => {
  const one = line(0, 900);
  return one.repeat(Math.max(1, Math.round(bytes / one.length)));
};
const clientFor = (baseURL: string, apiKey: string) =>
  new OpenAI({ baseURL, apiKey, maxRetries: 0 });
const upload = (client: OpenAI, text: string) =>
  toFile(Buffer.from(text), 'in.jsonl').then((file) =>
    client.files.create({ file, purpose: 'batch' }),
  );

describe('storage quota of OpenAI files', () => {
  let api: Awaited<ReturnType<typeof gatewayUnderTest>>;
  beforeAll(async () => {
    api = await gatewayUnderTest({
      ...upstream,
      NIGHTSHIFT_ADMIN_KEY: adminKey,
      NIGHTSHIFT_OPENAI_STORAGE_MAX_BYTES: '10000',
      NIGHTSHIFT_OPENAI_STORAGE_MAX_FILES: '3',
    });
  });
  afterAll(() => api?.close());

  it('refuses an upload past the bytes quota with 413 storage_quota_exceeded, keeping nothing of it', async () => {
    const acme = clientFor(api.openAiBaseUrl, 'acme-key');
    const text = fileOf(4000);
    const first = await upload(acme, text);
    await upload(acme, text);
    const keysBefore = (await api.client.keys(`${keyPrefix}:oai-file:*`)).length;
    const refused = await upload(acme, text).catch((error: unknown) => error);
    expect(refused).toMatchObject({
      status: 413,
      code: 'storage_quota_exceeded',
      type: 'invalid_request_error',
      param: 'file',
    });
    expect((refused as Error).message).toMatch(/storage quota/i);
    expect((await api.client.keys(`${keyPrefix}:oai-file:*`)).length).toBe(keysBefore);
    expect((await acme.files.list()).data).toHaveLength(2);

    // Deleting a file gives its bytes back.
    await acme.files.delete(first.id);
    await upload(acme, text);
    for (const f of (await acme.files.list()).data) await acme.files.delete(f.id);
  });

  it('refuses a file past the files quota, however small', async () => {
    const acme = clientFor(api.openAiBaseUrl, 'acme-key');
    for (const i of [1, 2, 3]) await upload(acme, line(i));
    await expect(upload(acme, line(4))).rejects.toMatchObject({
      status: 413,
      code: 'storage_quota_exceeded',
    });
    const usage = await fetch(`${api.url}/v1/usage?from=${new Date().toISOString().slice(0, 10)}`, {
      headers: { authorization: 'Bearer acme-key' },
    });
    expect(((await usage.json()) as { storage: unknown }).storage).toMatchObject({
      files: 3,
      maxFiles: 3,
      maxBytes: 10_000,
      bytes: expect.any(Number),
    });
    for (const f of (await acme.files.list()).data) await acme.files.delete(f.id);
  });

  it('lets concurrent uploads pass only as far as the quota an admin set', async () => {
    const put = await fetch(`${api.url}/admin/tenants/globex/quota`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ maxStoredFileBytes: 50_000, maxStoredFiles: 100 }),
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({
      effective: { maxStoredFileBytes: 50_000, maxStoredFiles: 100 },
    });

    const globex = clientFor(api.openAiBaseUrl, 'globex-key');
    const text = fileOf(20_000);
    const answers = await Promise.allSettled(Array.from({ length: 8 }, () => upload(globex, text)));
    const passed = answers.filter((a) => a.status === 'fulfilled');
    expect(passed).toHaveLength(2);
    for (const a of answers)
      if (a.status === 'rejected')
        expect(a.reason).toMatchObject({ status: 413, code: 'storage_quota_exceeded' });
    const usage = await fetch(`${api.url}/v1/usage?from=${new Date().toISOString().slice(0, 10)}`, {
      headers: { authorization: 'Bearer globex-key' },
    });
    expect(((await usage.json()) as { storage: unknown }).storage).toEqual({
      bytes: 2 * Buffer.byteLength(text),
      files: 2,
      maxBytes: 50_000,
      maxFiles: 100,
    });
  });

  it("gives a schedule's file its expiry back once no schedule uses it", async () => {
    const acme = clientFor(api.openAiBaseUrl, 'acme-key');
    const file = await upload(acme, line(1));
    const schedule = async (method: string, path: string, body?: unknown) => {
      const answer = await fetch(`${api.url}/v1/schedules${path}`, {
        method,
        headers: { authorization: 'Bearer acme-key', 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      await answer.arrayBuffer();
      return { status: answer.status };
    };
    const create = async () => {
      const answer = await fetch(`${api.url}/v1/schedules`, {
        method: 'POST',
        headers: { authorization: 'Bearer acme-key', 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'nightly',
          cron: '0 2 * * *',
          source: { kind: 'openai_file', fileId: file.id, endpoint: '/v1/embeddings' },
        }),
      });
      expect(answer.status).toBe(201);
      return ((await answer.json()) as { id: string }).id;
    };
    const ttls = async () => [
      await api.client.pttl(`${keyPrefix}:oai-file:${file.id}`),
      await api.client.pttl(`${keyPrefix}:oai-file:${file.id}:0`),
    ];

    const one = await create();
    const two = await create();
    expect((await acme.files.retrieve(file.id)).expires_at).toBeNull();
    expect(await ttls()).toEqual([-1, -1]);

    // One schedule still uses it: kept.
    expect((await schedule('DELETE', `/${one}`)).status).toBe(204);
    expect((await acme.files.retrieve(file.id)).expires_at).toBeNull();
    expect(await ttls()).toEqual([-1, -1]);

    // The last one moves to another source: the file expires again, bytes and record alike.
    const patched = await schedule('PATCH', `/${two}`, {
      source: { kind: 'inline', documents: [{ text: 'a document' }] },
    });
    expect(patched.status).toBe(200);
    const expiresAt = (await acme.files.retrieve(file.id)).expires_at;
    expect(expiresAt).toBeGreaterThan(Date.now() / 1000);
    for (const ttl of await ttls()) expect(ttl).toBeGreaterThan(0);

    // Kept again by a new schedule, then released when that schedule is deleted.
    const three = await create();
    expect(await ttls()).toEqual([-1, -1]);
    expect((await schedule('DELETE', `/${three}`)).status).toBe(204);
    expect((await acme.files.retrieve(file.id)).expires_at).toBeGreaterThan(Date.now() / 1000);
    for (const ttl of await ttls()) expect(ttl).toBeGreaterThan(0);
  });
});

describe('uploads and batch creates on the batch submission limit', () => {
  let api: Awaited<ReturnType<typeof gatewayUnderTest>>;
  beforeAll(async () => {
    api = await gatewayUnderTest({
      ...upstream,
      NIGHTSHIFT_BATCH_RATE_PER_MIN: '1',
      NIGHTSHIFT_BATCH_BURST: '3',
    });
  });
  afterAll(() => api?.close());

  it('answers the upload past the burst 429 in OpenAI shape, with Retry-After', async () => {
    const acme = clientFor(api.openAiBaseUrl, 'acme-key');
    for (const i of [1, 2, 3]) await upload(acme, line(i));
    const refused = await upload(acme, line(4)).catch((error: unknown) => error);
    expect(refused).toMatchObject({
      status: 429,
      type: 'rate_limit_error',
      code: 'rate_limit_exceeded',
    });
    expect(Number((refused as { headers: Headers }).headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await acme.files.list()).data).toHaveLength(3);
  });

  it('counts batch creates too, in the bucket the native route uses', async () => {
    const globex = clientFor(api.openAiBaseUrl, 'globex-key');
    const file = await upload(globex, line(1));
    const create = () =>
      globex.batches.create({
        input_file_id: file.id,
        endpoint: '/v1/embeddings',
        completion_window: '24h',
      });
    await create();
    await create();
    await expect(create()).rejects.toMatchObject({ status: 429, type: 'rate_limit_error' });
    const native = await fetch(`${api.url}/v1/batches`, {
      method: 'POST',
      headers: { authorization: 'Bearer globex-key', 'content-type': 'application/json' },
      body: JSON.stringify({ documents: [{ text: 'one document' }] }),
    });
    expect(native.status).toBe(429);
  });
});
