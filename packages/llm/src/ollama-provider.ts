import { Ollama } from 'ollama';
import { callError, stripReasoning } from './call-deadline.ts';
import { isCallTimeout, ollamaFetch } from './ollama-fetch.ts';
import type { CompletionRequest, CompletionResult, LlmProvider } from './types.ts';

/** Options of {@link createOllamaProvider}. */
export interface OllamaProviderOptions {
  /** Ollama server, e.g. `http://127.0.0.1:11434`. */
  host: string;
  /** How long Ollama keeps the model loaded after a call (`5m`, seconds, `0` to unload, `-1` forever). Default: Ollama's. */
  keepAlive?: string | number;
  /**
   * Per-call limit in ms: queueing, loading and generating together, until the answer starts
   * (and again between its pieces). undici checks it about every half second, so a call ends
   * up to ~1 s after it. Default 120 000.
   */
  timeoutMs?: number;
  /** Ollama's `think` switch for reasoning models; unset leaves the model's default. */
  think?: boolean;
  /** Extra HTTP headers (e.g. a proxy's Authorization). */
  headers?: Record<string, string>;
}

/**
 * A provider backed by Ollama's chat API through the official `ollama` client. Calls are not
 * streamed: nothing here reads partial text (preemption happens between chunks), a failure
 * mid-generation comes back as an error status with Ollama's message, and one JSON body costs
 * far less per call than a stream of lines, each with its own abortable iterator. Each call
 * gets its own client whose fetch carries the call's own signal (timeout and cancellation).
 *
 * @example
 * const provider = createOllamaProvider({ host: 'http://127.0.0.1:11434', timeoutMs: 120_000 });
 * const { text, usage } = await provider.complete({ model: 'qwen3:32b', system, prompt, numCtx: 8192, maxTokens: 2048 });
 */
export function createOllamaProvider(options: OllamaProviderOptions): LlmProvider {
  const timeoutMs = options.timeoutMs ?? 120_000;
  return {
    name: 'ollama',
    async complete(request: CompletionRequest): Promise<CompletionResult> {
      const client = new Ollama({
        host: options.host,
        fetch: ollamaFetch({
          ...(request.signal ? { signal: request.signal } : {}),
          timeoutMs,
        }),
        ...(options.headers ? { headers: options.headers } : {}),
      });
      const modelOptions: { num_ctx?: number; num_predict?: number } = {};
      if (request.numCtx !== undefined) modelOptions.num_ctx = request.numCtx;
      if (request.maxTokens !== undefined) modelOptions.num_predict = request.maxTokens;
      const messages = [
        ...(request.system ? [{ role: 'system', content: request.system }] : []),
        { role: 'user', content: request.prompt },
      ];
      try {
        const answer = await client.chat({
          model: request.model,
          messages,
          stream: false,
          options: modelOptions,
          ...(options.keepAlive !== undefined ? { keep_alive: options.keepAlive } : {}),
          ...(options.think !== undefined ? { think: options.think } : {}),
        });
        return {
          text: stripReasoning(answer.message?.content ?? ''),
          model: answer.model ?? request.model,
          usage: {
            promptTokens: answer.prompt_eval_count ?? 0,
            completionTokens: answer.eval_count ?? 0,
          },
        };
      } catch (err) {
        throw callError(
          err,
          { timedOut: isCallTimeout(err), aborted: request.signal?.aborted === true, timeoutMs },
          { provider: 'ollama', model: request.model },
        );
      }
    },
  };
}

/** Options of the Ollama housekeeping helpers. */
export interface OllamaHelperOptions {
  /** Limit in ms (undici checks it about every half second). Default 5000. */
  timeoutMs?: number;
  /** Extra HTTP headers. */
  headers?: Record<string, string>;
}

/** A model Ollama holds in memory (from /api/ps). */
export interface LoadedModel {
  name: string;
  /** Total bytes it occupies (VRAM plus system memory). */
  sizeBytes: number;
  /** Bytes of it in VRAM. */
  sizeVramBytes: number;
  /** When Ollama will unload it if unused. */
  expiresAt: Date;
  /** Context length it was loaded with, when Ollama reports it. */
  contextLength?: number;
}

async function withClient<T>(
  host: string,
  options: OllamaHelperOptions,
  run: (client: Ollama) => Promise<T>,
): Promise<T> {
  // The same limit as model calls: undici's request timer, no timer or controller of ours.
  const timeoutMs = options.timeoutMs ?? 5000;
  try {
    const client = new Ollama({
      host,
      fetch: ollamaFetch({ timeoutMs }),
      ...(options.headers ? { headers: options.headers } : {}),
    });
    return await run(client);
  } catch (err) {
    throw callError(
      err,
      { timedOut: isCallTimeout(err), aborted: false, timeoutMs },
      { provider: 'ollama', model: '' },
    );
  }
}

/**
 * Asks Ollama to unload `model` now (`keep_alive: 0`), freeing its VRAM.
 *
 * @example
 * await unloadModel('http://127.0.0.1:11434', 'qwen3:32b');
 */
export async function unloadModel(
  host: string,
  model: string,
  options: OllamaHelperOptions = {},
): Promise<void> {
  await withClient(host, options, (client) =>
    client.generate({ model, prompt: '', keep_alive: 0 }),
  );
}

/**
 * Models Ollama has loaded, with their VRAM footprint (GET /api/ps).
 *
 * @example
 * const vram = (await listLoadedModels(host)).reduce((sum, m) => sum + m.sizeVramBytes, 0);
 */
export async function listLoadedModels(
  host: string,
  options: OllamaHelperOptions = {},
): Promise<LoadedModel[]> {
  const ps = await withClient(host, options, (client) => client.ps());
  return ps.models.map((m) => {
    const loaded: LoadedModel = {
      name: m.name,
      sizeBytes: m.size,
      sizeVramBytes: m.size_vram,
      expiresAt: new Date(m.expires_at),
    };
    const contextLength = (m as { context_length?: unknown }).context_length;
    if (typeof contextLength === 'number') loaded.contextLength = contextLength;
    return loaded;
  });
}

/**
 * True when an Ollama server answers GET /api/version within `timeoutMs` (default 2000).
 *
 * @example
 * const provider = (await isOllamaReachable(host)) ? createOllamaProvider({ host }) : createExtractiveProvider();
 */
export async function isOllamaReachable(host: string, timeoutMs = 2000): Promise<boolean> {
  try {
    await withClient(host, { timeoutMs }, (client) => client.version());
    return true;
  } catch {
    return false;
  }
}
