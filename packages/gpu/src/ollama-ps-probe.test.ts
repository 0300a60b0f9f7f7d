import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOllamaPsProbe } from './ollama-ps-probe.ts';

const GiB = 1024 ** 3;

describe('createOllamaPsProbe against a local /api/ps', () => {
  // What the server answers next: [status, body].
  let answer: [number, string] = [200, '{"models":[]}'];
  let server: Server;
  let host = '';

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url !== '/api/ps') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(answer[0], { 'content-type': 'application/json' }).end(answer[1]);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sums size_vram of loaded models against the card size', async () => {
    answer = [
      200,
      JSON.stringify({
        models: [
          { name: 'qwen3:32b', model: 'qwen3:32b', size: 21 * GiB, size_vram: 18.5 * GiB },
          { name: 'qwen2:7b', model: 'qwen2:7b', size: 5 * GiB, size_vram: 4.5 * GiB },
        ],
      }),
    ];
    const reading = await createOllamaPsProbe({ host, cardMiB: 24 * 1024 }).read();
    expect(reading).toMatchObject({
      status: 'ok',
      gpus: [{ index: 0, totalMiB: 24576, usedMiB: 23552, freeMiB: 1024, usedPct: 95.83 }],
    });
  });

  it('reads an empty Ollama as a free card and never goes below zero free', async () => {
    answer = [200, '{"models":[]}'];
    const empty = await createOllamaPsProbe({ host, cardMiB: 8192 }).read();
    expect(empty).toMatchObject({ status: 'ok', gpus: [{ freeMiB: 8192, usedPct: 0 }] });
    answer = [200, JSON.stringify({ models: [{ name: 'big', size_vram: 16 * GiB }] })];
    const over = await createOllamaPsProbe({ host, cardMiB: 8192 }).read();
    expect(over).toMatchObject({ status: 'ok', gpus: [{ freeMiB: 0, usedPct: 100 }] });
  });

  it.each([
    [500, '{"error":"boom"}', /answered 500/],
    [200, 'not json', /api\/ps/],
    [200, '{"models":[{"name":"x"}]}', /unexpected body/],
  ])('reads status %i body %j as unknown', async (status, body, reason) => {
    answer = [status, body];
    const reading = await createOllamaPsProbe({ host, cardMiB: 8192 }).read();
    expect(reading.status).toBe('unknown');
    if (reading.status === 'unknown') expect(reading.reason).toMatch(reason);
  });

  it('reads a closed port as unknown', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const reading = await createOllamaPsProbe({
      host: `http://127.0.0.1:${port}`,
      cardMiB: 1,
    }).read();
    expect(reading.status).toBe('unknown');
  });

  it('refuses a card size that is not positive', () => {
    expect(() => createOllamaPsProbe({ host, cardMiB: 0 })).toThrow(RangeError);
  });
});
