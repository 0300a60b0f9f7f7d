import { connect } from 'node:net';
import { loadConfig } from '@nightshift/core';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { Hono } from 'hono';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi } from './api-process.ts';
import { type HttpListener, listenHttp } from './http-listener.ts';

// Real sockets against a real Node server: a client that trickles its request is cut off at
// the request timeout, while a request whose body is in may wait longer for its answer.

const requestTimeoutMs = 1000;
const headersTimeoutMs = 500;
let listener: HttpListener;

beforeAll(async () => {
  const app = new Hono();
  // A body read cut short by the timeout: the client is gone, nothing to log.
  app.onError((_error, c) => c.text('cut', 400));
  app.post('/echo', async (c) => c.text(`got ${(await c.req.text()).length} bytes`));
  // Answers after three request timeouts, as a hot summary waiting for the GPU would.
  app.post('/slow', async (c) => {
    const body = await c.req.text();
    await new Promise((resolve) => setTimeout(resolve, 3 * requestTimeoutMs));
    return c.text(`done with ${body}`);
  });
  listener = await listenHttp({
    fetch: app.fetch,
    port: 0,
    host: '127.0.0.1',
    requestTimeoutMs,
    headersTimeoutMs,
  });
});
afterAll(async () => {
  listener.server.close();
});

/** Writes `head` at once, then `trickle` one byte every `everyMs`; resolves when the server closes. */
function trickle(head: string, trickle: string, everyMs: number) {
  const started = Date.now();
  const socket = connect(listener.port, '127.0.0.1');
  let answer = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    answer += chunk;
  });
  socket.on('error', () => undefined);
  socket.write(head);
  let sent = 0;
  const timer = setInterval(() => {
    if (sent < trickle.length && !socket.destroyed) socket.write(trickle[sent++] as string);
  }, everyMs);
  return new Promise<{ elapsedMs: number; answer: string; sent: number }>((resolve) => {
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ elapsedMs: Date.now() - started, answer, sent });
    });
  });
}

describe('listenHttp', () => {
  it('closes the connection of a client that trickles its body slower than the request timeout', async () => {
    const body = 'x'.repeat(100);
    const head = `POST /echo HTTP/1.1\r\nhost: localhost\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\n\r\n`;
    const cut = await trickle(head, body, 100);
    expect(cut.sent).toBeLessThan(body.length);
    // The limit, plus Node's check interval and some slack for a busy machine.
    expect(cut.elapsedMs).toBeGreaterThanOrEqual(requestTimeoutMs - 50);
    expect(cut.elapsedMs).toBeLessThan(requestTimeoutMs + 1500);
    expect(cut.answer === '' || cut.answer.startsWith('HTTP/1.1 408')).toBe(true);
  });

  it('closes the connection of a client that trickles its headers slower than the header timeout', async () => {
    const cut = await trickle('GET /echo HTTP/1.1\r\n', 'x-slow: aaaaaaaaaaaaaaaaaaaaaaaa', 50);
    expect(cut.elapsedMs).toBeLessThan(headersTimeoutMs + 1500);
    expect(cut.answer === '' || cut.answer.startsWith('HTTP/1.1 408')).toBe(true);
  });

  it('lets a request whose body has arrived wait longer than the request timeout for its answer', async () => {
    const started = Date.now();
    const response = await fetch(`http://127.0.0.1:${listener.port}/slow`, {
      method: 'POST',
      body: 'hello',
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('done with hello');
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * requestTimeoutMs - 50);
  });
});

describe('startApi', () => {
  let redis: RedisHarness;
  const logger = pino({ level: 'silent' });
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('listens on 127.0.0.1 unless HOST says otherwise', async () => {
    const env = { REDIS_URL: redis.url, PORT: '0', NIGHTSHIFT_API_KEYS: 'acme:acme-key' };
    const local = await startApi(loadConfig(env), logger);
    try {
      expect(local.host).toBe('127.0.0.1');
      const ready = await fetch(`http://127.0.0.1:${local.port}/healthz`);
      expect(ready.status).toBe(200);
    } finally {
      await local.stop();
    }
    const open = await startApi(loadConfig({ ...env, HOST: '0.0.0.0' }), logger);
    try {
      expect(open.host).toBe('0.0.0.0');
    } finally {
      await open.stop();
    }
  });
});
