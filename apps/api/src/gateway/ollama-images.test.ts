import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
// The browser build sends image strings as written: the caller's own machine reads no file, so
// what reaches the API is exactly what a hostile caller typed.
import { Ollama } from 'ollama/browser';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gatewayUnderTest } from '../../test-support/gateway-under-test.ts';

let upstream: OllamaStandIn;
let api: Awaited<ReturnType<typeof gatewayUnderTest>>;
let client: Ollama;
let dir: string;
let secretPath: string;
const secret = `nightshift-secret-${Math.random().toString(36).slice(2)}`;

/** True when any request the stand-in received carries the secret, as text or as base64. */
const leaked = () =>
  upstream.requests.some((r) => {
    const body = JSON.stringify(r.body) ?? '';
    return body.includes(secret) || body.includes(Buffer.from(secret).toString('base64'));
  });

beforeAll(async () => {
  upstream = await startOllamaStandIn({ tokenLatencyMs: 1 });
  api = await gatewayUnderTest({ OLLAMA_HOST: upstream.url });
  client = new Ollama({ host: api.ollamaHost, headers: { Authorization: 'Bearer acme-key' } });
  // Every character of this path is in base64's alphabet and its length is a multiple of 4: a
  // syntax check alone lets it through, so only never opening it keeps the file private.
  dir = mkdtempSync('/tmp/ns');
  const name = `secret${'A'.repeat((4 - ((dir.length + 7) % 4)) % 4)}`;
  secretPath = join(dir, name);
  expect(secretPath).toMatch(/^[A-Za-z0-9+/]+$/);
  expect(secretPath.length % 4).toBe(0);
  writeFileSync(secretPath, secret);
});
afterAll(async () => {
  await api?.close();
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => upstream.reset());

describe('images on the Ollama surface are base64 data, never a path the API opens', () => {
  it.each([['/etc/hostname'], ['/proc/self/environ'], ['not base64!'], ['']])(
    'refuses %j in a chat message with 400 {error} and calls no model server',
    async (image) => {
      const refused = await client
        .chat({
          model: 'qwen2:7b',
          messages: [{ role: 'user', content: 'what is this?', images: [image] }],
          stream: false,
        })
        .catch((e: unknown) => e);
      expect(refused).toMatchObject({
        status_code: 400,
        error: expect.stringMatching(/^messages\.0\.images\.0: .*base64/),
      });
      expect(upstream.requests).toHaveLength(0);
    },
  );

  it('refuses a path in generate images with 400 {error}', async () => {
    const refused = await client
      .generate({ model: 'qwen2:7b', prompt: 'what is this?', images: ['/etc/passwd'] })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({
      status_code: 400,
      error: expect.stringMatching(/^images\.0: .*base64/),
    });
    expect(upstream.requests).toHaveLength(0);
  });

  it('never reads a file whose path looks like base64: the model server gets the string itself', async () => {
    await client.chat({
      model: 'qwen2:7b',
      messages: [{ role: 'user', content: 'look', images: [secretPath] }],
      stream: false,
    });
    await client.generate({
      model: 'qwen2:7b',
      prompt: 'look',
      images: [secretPath],
      stream: false,
    });
    expect(leaked()).toBe(false);
    const chat = upstream.requests.find((r) => r.path === '/api/chat');
    const generate = upstream.requests.find((r) => r.path === '/api/generate');
    expect(chat?.body).toMatchObject({
      messages: [{ role: 'user', content: 'look', images: [secretPath] }],
    });
    expect(generate?.body).toMatchObject({ images: [secretPath] });
  });

  it('passes real base64 images through unchanged', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).toString('base64');
    await client.chat({
      model: 'qwen2:7b',
      messages: [{ role: 'user', content: 'look', images: [png] }],
      stream: false,
    });
    expect(upstream.requests.at(-1)?.body).toMatchObject({
      messages: [{ role: 'user', content: 'look', images: [png] }],
    });
  });
});
