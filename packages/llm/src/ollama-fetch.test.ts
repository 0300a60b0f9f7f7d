import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { Ollama } from 'ollama/browser';
import { Agent, getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isCallTimeout, type OllamaCallLimits, ollamaFetch } from './ollama-fetch.ts';

const model = 'qwen2:7b';
const prompt = 'Nightshift drains the cold lane at night while the hot lane serves requests.';

/** One unstreamed chat through the `ollama` client on `ollamaFetch`, as the gateway sends a summary. */
function chat(host: string, limits: OllamaCallLimits, text = prompt, maxTokens?: number) {
  const client = new Ollama({ host, fetch: ollamaFetch(limits) });
  return client.chat({
    model,
    stream: false,
    messages: [{ role: 'user', content: text }],
    ...(maxTokens ? { options: { num_predict: maxTokens } } : {}),
  });
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

describe('ollamaFetch against the stand-in', () => {
  let ollama: OllamaStandIn;

  beforeAll(async () => {
    ollama = await startOllamaStandIn();
  });
  afterEach(() => ollama.reset());
  afterAll(() => ollama.close());

  it('waits for a slow unstreamed answer as long as its own limit allows, whatever the global dispatcher says', async () => {
    const previous = getGlobalDispatcher();
    // A global dispatcher whose header timeout (like undici's 300 s default) is shorter than the
    // answer: model calls use their own pool, and only the call's limit bounds them.
    setGlobalDispatcher(new Agent({ headersTimeout: 50, bodyTimeout: 50 }));
    try {
      ollama.failNext({ kind: 'slow', delayMs: 2_000 });
      const answer = await chat(ollama.url, { timeoutMs: 5000 }, prompt, 3);
      expect(answer.eval_count).toBe(3);
    } finally {
      setGlobalDispatcher(previous);
    }
  });

  it('cuts a slow answer short at its limit, past a second too, and frees the server slot', async () => {
    ollama.failNext({ kind: 'slow', delayMs: 30_000 });
    const started = Date.now();
    const err = await failure(chat(ollama.url, { timeoutMs: 1_200 }));
    expect(isCallTimeout(err)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_100);
    await expect.poll(() => ollama.queue().active).toBe(0);
  });

  it('cancels one call without touching a concurrent one', async () => {
    const slowServer = await startOllamaStandIn({ tokenLatencyMs: 20 });
    try {
      const controller = new AbortController();
      const long = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
      const cancelled = chat(
        slowServer.url,
        { signal: controller.signal, timeoutMs: 10_000 },
        long,
      );
      const kept = chat(slowServer.url, { timeoutMs: 10_000 }, long);
      await expect.poll(() => slowServer.queue().active).toBe(2);
      controller.abort();
      const err = await failure(cancelled);
      expect(isCallTimeout(err)).toBe(false);
      expect((await kept).message.content).toBe(long);
    } finally {
      await slowServer.close();
    }
  });
});
