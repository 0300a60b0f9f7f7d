import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiUnderTest } from '../../test-support/api-under-test.ts';

// POST /v1/batches declares its multipart body in the OpenAPI document; the framework must not
// validate it, since its form validator reads the whole upload into memory first. Proof: the
// client holds back the end of the upload until the file's first bytes are in Redis. Were the
// body buffered before the handler, no blob could appear and the upload would never finish.

const KiB = 1024;
let api: Awaited<ReturnType<typeof apiUnderTest>>;
beforeAll(async () => {
  api = await apiUnderTest({
    NIGHTSHIFT_MAX_BODY_BYTES: String(8 * 1024 * KiB),
    NIGHTSHIFT_MAX_DOCUMENT_BYTES: String(3 * 1024 * KiB),
  });
});
afterAll(async () => {
  await api.close();
});

const blobKeys = () => api.client.keys('{nightshift}:blob:*');

async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

describe('multipart batches are streamed, not buffered', () => {
  it('writes the first bytes of a file to Redis while the client is still sending it', async () => {
    const encoder = new TextEncoder();
    const boundary = 'nightshift-stream-test';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n`;
    const chunk = 'The night batch ran while the hot lane served users. '.repeat(10_000); // ~520 KiB
    let blobSeenMidUpload = false;
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(encoder.encode(head + chunk));
        // Hold the rest back until the handler has streamed the first part into a blob.
        blobSeenMidUpload = await until(async () => (await blobKeys()).length > 0, 10_000);
        controller.enqueue(encoder.encode(`${chunk}\r\n--${boundary}--\r\n`));
        controller.close();
      },
    });
    const response = await api.app.request('/v1/batches', {
      method: 'POST',
      headers: { ...api.auth(), 'content-type': `multipart/form-data; boundary=${boundary}` },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status, await response.clone().text()).toBe(202);
    expect(blobSeenMidUpload).toBe(true);
    const batch = (await response.json()) as { counts: { total: number; queued: number } };
    expect(batch.counts).toMatchObject({ total: 1, queued: 1 });
  });
});
