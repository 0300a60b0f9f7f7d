import { type GpuStandIn, startGpuStandIn } from '@nightshift/testkit/gpu-stand-in';
import { until } from '@nightshift/testkit/until';
import { afterEach, describe, expect, it } from 'vitest';
import type { ColdServer } from './cold-servers.ts';
import { ServerColdCapacity } from './server-cold-capacity.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

describe("a continuous-batching server's metrics, per upstream", () => {
  it("reads each server's own metricsUrl, and starts no cold call while requests already wait there", async () => {
    const gpu: GpuStandIn = await startGpuStandIn({
      engine: { stepBaseMs: 10, stepPerSeqMs: 0, maxNumSeqs: 2, kvCapacityTokens: 100_000 },
    });
    cleanups.push(() => gpu.close());
    // Chat straight to the server fills both sequences and queues two behind them.
    const chats = Array.from({ length: 4 }, (_, i) =>
      fetch(`${gpu.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'qwen2:7b',
          messages: [{ role: 'user', content: `chat ${i} ${'w '.repeat(40)}` }],
          max_tokens: 60,
        }),
      }).then((response) => response.json()),
    );
    await until(() => gpu.queue().waiting === 2, 5_000, 'chat waiting in the server');
    // Calls go to a proxy in front of the server (here: nothing listens); its metrics are elsewhere.
    const measured: ColdServer = {
      kind: 'openai',
      url: 'http://127.0.0.1:9/v1',
      models: ['*'],
      slots: 8,
      maxSequences: 8,
      chatReserve: 1,
      metricsUrl: `${gpu.url}/metrics`,
    };
    const unmeasured: ColdServer = {
      ...measured,
      url: 'http://127.0.0.2:9/v1',
      metricsUrl: 'none',
    };
    const capacity = new ServerColdCapacity({ servers: [measured, unmeasured] });
    await capacity.evaluate();
    expect(capacity.snapshot().map((s) => s.limit)).toEqual([0, 7]);
    await Promise.all(chats);
    // Once nothing waits, the measured server opens to its places.
    await until(
      async () => {
        await capacity.evaluate();
        return capacity.snapshot()[0]?.limit === 7;
      },
      5_000,
      'the measured server opened',
    );
  });
});
