import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatLine, jsonl, startOpenAiBatchStack } from '../support/openai-batch-stack.ts';

let stack: Awaited<ReturnType<typeof startOpenAiBatchStack>>;
beforeAll(async () => {
  stack = await startOpenAiBatchStack();
});
afterAll(() => stack?.close());

describe('files', () => {
  it('uploads, lists, retrieves, streams back and deletes a JSONL file', async () => {
    const text = jsonl([chatLine('a', 'one two three'), chatLine('b', 'four five')]);
    const file = await stack.uploaded(text);
    expect(file).toMatchObject({
      object: 'file',
      purpose: 'batch',
      bytes: Buffer.byteLength(text),
    });
    expect(file.id).toMatch(/^file-/);
    expect(await stack.client.files.retrieve(file.id)).toMatchObject({
      id: file.id,
      filename: 'input.jsonl',
    });
    expect(await (await stack.client.files.content(file.id)).text()).toBe(text);
    const listed = await stack.client.files.list();
    expect(listed.data.map((f) => f.id)).toContain(file.id);
    expect(await stack.client.files.delete(file.id)).toMatchObject({ id: file.id, deleted: true });
    await expect(stack.client.files.retrieve(file.id)).rejects.toMatchObject({ status: 404 });
  });

  it('refuses a file over the limit as it streams in, keeping nothing of it', async () => {
    const before = (await stack.client.files.list()).data.length;
    const big = jsonl(Array.from({ length: 20_000 }, (_, i) => chatLine(`l${i}`, 'padding text')));
    await expect(
      stack.client.files.create({
        file: await toFile(Buffer.from(big), 'big.jsonl'),
        purpose: 'batch',
      }),
    ).rejects.toMatchObject({ status: 413, param: 'file' });
    expect((await stack.client.files.list()).data.length).toBe(before);
  });

  it('answers bad requests in OpenAI error shape, never 5xx', async () => {
    const headers = { authorization: 'Bearer acme-key' };
    const base = stack.api.openAiBaseUrl;
    const answers = await Promise.all([
      fetch(`${base}/files`, { method: 'POST', headers, body: 'not multipart' }),
      fetch(`${base}/files`, { method: 'POST', headers, body: new FormData() }),
      fetch(`${base}/files?limit=zero`, { headers }),
      fetch(`${base}/files/file-..%2Fx`, { headers }),
      fetch(`${base}/files/not-a-file/content`, { headers }),
      fetch(`${base}/batches`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: '{"input_file_id":',
      }),
      fetch(`${base}/batches`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({
          input_file_id: 'x',
          endpoint: '/v1/images',
          completion_window: '24h',
        }),
      }),
      fetch(`${base}/batches?after=nope`, { headers }),
      fetch(`${base}/batches/batch_nope/cancel`, { method: 'POST', headers }),
      fetch(`${base}/files`, { headers: { authorization: 'Bearer wrong' } }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([
      400, 400, 400, 404, 404, 400, 400, 400, 404, 401,
    ]);
    for (const answer of answers)
      expect(await answer.json()).toMatchObject({ error: { message: expect.any(String) } });
  });

  it('refuses another purpose and another tenant, in OpenAI error shape', async () => {
    await expect(
      stack.client.files.create({
        file: await toFile(Buffer.from('{}\n'), 'x.jsonl'),
        purpose: 'fine-tune',
      }),
    ).rejects.toMatchObject({ status: 400, param: 'purpose' });
    const file = await stack.uploaded(jsonl([chatLine('a', 'hello')]));
    const other = new OpenAI({
      baseURL: stack.api.openAiBaseUrl,
      apiKey: 'globex-key',
      maxRetries: 0,
    });
    await expect(other.files.retrieve(file.id)).rejects.toMatchObject({ status: 404 });
  });
});

describe('night schedules from a stored file', () => {
  const createSchedule = (fileId: string) =>
    fetch(`${stack.api.url}/v1/schedules`, {
      method: 'POST',
      headers: { authorization: 'Bearer acme-key', 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'nightly extraction',
        cron: '0 2 * * *',
        source: { kind: 'openai_file', fileId, endpoint: '/v1/chat/completions' },
      }),
    });

  it('takes a batch file of the tenant and keeps it from expiring; refuses any other', async () => {
    const missing = await createSchedule('file-0000000000aaaaaaaaaaaaaaaa');
    expect(missing.status).toBe(422);
    expect(await missing.json()).toMatchObject({ errors: [{ field: 'source.fileId' }] });

    const file = await stack.uploaded(jsonl([chatLine('a', 'extract this')]));
    expect(file.expires_at).toBeGreaterThan(0);
    const created = await createSchedule(file.id);
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({
      source: { kind: 'openai_file', fileId: file.id },
    });
    expect((await stack.client.files.retrieve(file.id)).expires_at).toBeNull();
  });
});
