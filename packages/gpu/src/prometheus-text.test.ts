import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prometheusSamples, readMetricsText } from './prometheus-text.ts';

describe('prometheusSamples', () => {
  it('reads names, labels (braces and spaces inside quotes) and values; skips the rest', () => {
    const text = [
      '# HELP DCGM_FI_DEV_POWER_USAGE Power draw (in W).',
      'DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-1",modelName="NVIDIA H200 {SXM}"} 212.5',
      'DCGM_FI_DEV_POWER_USAGE_EXTRA{gpu="0"} 9',
      'DCGM_FI_DEV_POWER_USAGE{gpu="1"} NaN',
      'vllm:num_requests_running 3 1733550000000',
      'not a sample',
    ].join('\n');
    expect(prometheusSamples(text, 'DCGM_FI_DEV_POWER_USAGE')).toEqual([
      {
        name: 'DCGM_FI_DEV_POWER_USAGE',
        labels: { gpu: '0', UUID: 'GPU-1', modelName: 'NVIDIA H200 {SXM}' },
        value: 212.5,
      },
    ]);
    expect(prometheusSamples(text).map((s) => s.name)).toEqual([
      'DCGM_FI_DEV_POWER_USAGE',
      'DCGM_FI_DEV_POWER_USAGE_EXTRA',
      'vllm:num_requests_running',
    ]);
  });
});

describe('readMetricsText', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/big') {
        // Endless: the reader must stop at its cap, not wait for the end.
        res.writeHead(200);
        const chunk = Buffer.alloc(64 * 1024, 'a');
        const write = () => {
          while (res.write(chunk)) {}
          res.once('drain', write);
        };
        write();
        return;
      }
      if (req.url === '/hang') return;
      res.writeHead(req.url === '/down' ? 503 : 200).end('up 1\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers the page, or why not: a status, a body over the cap, no answer in time', async () => {
    expect(await readMetricsText(`${base}/metrics`, { timeoutMs: 1000 })).toEqual({
      ok: true,
      text: 'up 1\n',
    });
    expect(await readMetricsText(`${base}/down`, { timeoutMs: 1000 })).toEqual({
      ok: false,
      reason: `${base}/down answered 503`,
    });
    const big = await readMetricsText(`${base}/big`, { timeoutMs: 5000, maxBytes: 1024 * 1024 });
    expect(big).toEqual({ ok: false, reason: `${base}/big answered over 1048576 bytes` });
    const hung = await readMetricsText(`${base}/hang`, { timeoutMs: 200 });
    expect(hung.ok).toBe(false);
  });
});
