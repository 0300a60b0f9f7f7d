import { Writable } from 'node:stream';
import { Hono } from 'hono';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { requestLog } from './request-log.ts';

/** A real pino logger writing JSON lines into an array. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: pino({ level: 'debug' }, sink) };
}

describe('requestLog', () => {
  it('logs method, path, status, duration and the tenant, errors included', async () => {
    const { lines, logger } = capture();
    const app = new Hono<{ Variables: { tenant: string } }>();
    app.use(requestLog({ logger }));
    app.onError((_error, c) => c.text('boom', 500));
    app.use('/v1/*', async (c, next) => {
      c.set('tenant', 'acme');
      await next();
    });
    app.post('/v1/batches', (c) => c.json({ ok: true }, 202));
    app.get('/v1/explode', () => {
      throw new Error('kaboom');
    });
    app.get('/readyz', (c) => c.text('ok'));

    await app.request('/v1/batches', { method: 'POST' });
    await app.request('/v1/explode');
    await app.request('/nowhere');
    await app.request('/readyz');
    // Lines are written on the turn after the answer.
    await new Promise((resolve) => setImmediate(resolve));

    expect(
      lines.map(({ msg, level, method, path, status, tenant }) => ({
        msg,
        level,
        method,
        path,
        status,
        tenant,
      })),
    ).toEqual([
      {
        msg: 'request',
        level: 30,
        method: 'POST',
        path: '/v1/batches',
        status: 202,
        tenant: 'acme',
      },
      {
        msg: 'request',
        level: 50,
        method: 'GET',
        path: '/v1/explode',
        status: 500,
        tenant: 'acme',
      },
      {
        msg: 'request',
        level: 40,
        method: 'GET',
        path: '/nowhere',
        status: 404,
        tenant: undefined,
      },
      { msg: 'request', level: 20, method: 'GET', path: '/readyz', status: 200, tenant: undefined },
    ]);
    expect(lines.every((l) => typeof l.durationMs === 'number')).toBe(true);
  });
});
