import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { afterEach, describe, expect, it } from 'vitest';
import { createExtractiveProvider } from './extractive.ts';
import { createModelChain } from './model-chain.ts';
import { createOllamaProvider, isOllamaReachable } from './ollama-provider.ts';
import { Reachability } from './reachability.ts';

const prompt =
  'The worker started before the model server. The server came up later. The worker should use it as soon as it answers.';
const recheckMs = 300;

/** A port that nothing listens on now (a stand-in is started there later). */
async function vacantPort(): Promise<number> {
  const probe = await startOllamaStandIn();
  await probe.close();
  return probe.port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Reachability over the Ollama stand-in', () => {
  let ollama: OllamaStandIn | undefined;
  afterEach(async () => {
    await ollama?.close();
    ollama = undefined;
  });

  /** An `auto`-style chain: the main model gated by reachability, then the extractive summarizer. */
  function autoChain(port: number) {
    const host = `http://127.0.0.1:${port}`;
    const probes: boolean[] = [];
    const reachability = new Reachability({
      probe: async () => {
        const up = await isOllamaReachable(host, 500);
        probes.push(up);
        return up;
      },
      recheckMs,
    });
    const chain = createModelChain({
      targets: [
        {
          provider: createOllamaProvider({ host, timeoutMs: 2000 }),
          model: 'qwen3:32b',
          reachability,
        },
        { provider: createExtractiveProvider(), model: 'extractive' },
      ],
      breaker: { failureThreshold: 1, cooldownMs: 60_000 },
    });
    return { chain, reachability, probes };
  }

  it('switches to the model once the server answers, and back to extractive (degraded) when it goes away', async () => {
    const port = await vacantPort();
    const { chain, reachability, probes } = autoChain(port);

    const before = await chain.complete({ prompt, maxTokens: 4 });
    expect(before).toMatchObject({ model: 'extractive', degraded: true });
    expect(before.attempts[0]).toMatchObject({ kind: 'skipped', message: 'server unreachable' });
    expect(reachability.state).toBe('down');

    // Calls inside the recheck interval do not ask the server again (no probe storm).
    for (let i = 0; i < 20; i++) await chain.complete({ prompt, maxTokens: 4 });
    expect(probes).toEqual([false]);

    ollama = await startOllamaStandIn({ port });
    await sleep(recheckMs + 50);
    const after = await chain.complete({ prompt, maxTokens: 4 });
    expect(after).toMatchObject({ model: 'qwen3:32b', degraded: false, target: 0 });
    expect(probes).toEqual([false, true]);
    expect(ollama.requests.filter((r) => r.path === '/api/chat')).toHaveLength(1);

    // Gone again: the first call that finds it gone falls through to extractive at once, and the
    // breaker (threshold 1 here) did not open, so the model is used as soon as it is back.
    await ollama.close();
    ollama = undefined;
    const gone = await chain.complete({ prompt, maxTokens: 4 });
    expect(gone).toMatchObject({ model: 'extractive', degraded: true });
    expect(gone.attempts[0]).toMatchObject({ kind: 'unavailable' });
    expect(reachability.state).toBe('down');
    expect(chain.breakers()[0]?.state).toBe('closed');

    ollama = await startOllamaStandIn({ port });
    await sleep(recheckMs + 50);
    expect(await chain.complete({ prompt, maxTokens: 4 })).toMatchObject({
      model: 'qwen3:32b',
      degraded: false,
    });
  });

  it('shares one probe among the calls that arrive while it runs', async () => {
    let probes = 0;
    let answer: (up: boolean) => void = () => {};
    const reachability = new Reachability({
      probe: () => {
        probes++;
        return new Promise<boolean>((resolve) => {
          answer = resolve;
        });
      },
    });
    const pending = [reachability.available(), reachability.available(), reachability.available()];
    answer(true);
    expect(await Promise.all(pending)).toEqual([true, true, true]);
    expect(probes).toBe(1);
    // Up: answered at once, no promise and no probe.
    expect(reachability.available()).toBe(true);
    expect(probes).toBe(1);
  });

  it('re-probes a down server only once its recheck interval has passed', async () => {
    let now = 1_000;
    let probes = 0;
    const changes: string[] = [];
    const reachability = new Reachability({
      probe: async () => {
        probes++;
        return false;
      },
      recheckMs: 5_000,
      now: () => now,
      onChange: (state) => changes.push(state),
    });
    expect(await reachability.available()).toBe(false);
    now += 4_999;
    expect(reachability.available()).toBe(false);
    expect(probes).toBe(1);
    now += 1;
    expect(await reachability.available()).toBe(false);
    expect(probes).toBe(2);
    reachability.markUp();
    reachability.markDown();
    expect(changes).toEqual(['down', 'up', 'down']);
  });
});
