import { ollamaModelName, toLlmError } from '@nightshift/llm';
import type { UpstreamClients } from './upstream-clients.ts';
import type { Upstream } from './upstreams.ts';

/** A model an Ollama server holds in memory (from `/api/ps`). */
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

/** Options of {@link OllamaHousekeeping}. */
export interface OllamaHousekeepingOptions {
  /** The clients of the model layer (its agent, connect and read timeouts). */
  clients: UpstreamClients;
  /** The layer's upstreams; only those of kind `ollama` are looked after. */
  upstreams: readonly Upstream[];
  /** Most a housekeeping call may take, answer included. Default 5000 ms. */
  timeoutMs?: number;
}

/**
 * The chores a worker does on its Ollama servers beside model calls, on every Ollama upstream
 * of the model layer (`configuredUpstreams`; a single-`OLLAMA_HOST` setup is one of them): the
 * models loaded (`GET /api/ps`), unloading one (`keep_alive: 0`), whether a server answers.
 * Failures are `LlmError`s (a call past `timeoutMs` is a `timeout`).
 *
 * @example
 * const chores = new OllamaHousekeeping({ clients: layer.clients, upstreams: layer.pool.upstreams });
 * await chores.unload('qwen3:32b'); // on each Ollama server that has it loaded
 */
export class OllamaHousekeeping {
  readonly #clients: UpstreamClients;
  readonly #timeoutMs: number;
  /** The Ollama upstreams, in configuration order. */
  readonly servers: readonly Upstream[];

  constructor(options: OllamaHousekeepingOptions) {
    this.#clients = options.clients;
    this.#timeoutMs = options.timeoutMs ?? 5_000;
    this.servers = options.upstreams.filter((u) => u.kind === 'ollama');
  }

  /** The models `server` has loaded, with their memory (`GET /api/ps`). */
  async loadedOn(server: Upstream): Promise<LoadedModel[]> {
    const ps = await this.#call(server, '', (client) => client.ps());
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
   * The names of the models loaded on any Ollama server, sorted, each once; servers that do not
   * answer are left out. Throws only when none answered.
   */
  async loadedModels(): Promise<string[]> {
    const lists = await Promise.allSettled(this.servers.map((s) => this.loadedOn(s)));
    const answered = lists.flatMap((l) => (l.status === 'fulfilled' ? [l.value] : []));
    const failed = lists.find((l): l is PromiseRejectedResult => l.status === 'rejected');
    if (answered.length === 0 && failed) throw failed.reason;
    return [...new Set(answered.flat().map((m) => m.name))].sort();
  }

  /** Asks `server` to unload `model` now (`keep_alive: 0`), freeing its memory. */
  async unloadOn(server: Upstream, model: string): Promise<void> {
    await this.#call(server, model, (client) =>
      client.generate({ model, prompt: '', keep_alive: 0 }),
    );
  }

  /**
   * Unloads `model` from every Ollama server that has it loaded (a server whose `/api/ps` does
   * not answer is asked to unload anyway: asking a server that has not loaded it costs nothing).
   * Answers how many servers unloaded it; throws the first failure after trying them all.
   */
  async unload(model: string): Promise<number> {
    const name = ollamaModelName(model);
    const results = await Promise.allSettled(
      this.servers.map(async (server) => {
        const loaded = await this.loadedOn(server).catch(() => undefined);
        if (loaded && !loaded.some((m) => ollamaModelName(m.name) === name)) return 0;
        await this.unloadOn(server, model);
        return 1;
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return results.reduce((sum, r) => sum + (r.status === 'fulfilled' ? r.value : 0), 0);
  }

  /** Whether `server` answers `GET /api/version` within `timeoutMs` (default 2000). */
  async reachable(server: Upstream, timeoutMs = 2_000): Promise<boolean> {
    try {
      await this.#call(server, '', (client) => client.version(), timeoutMs);
      return true;
    } catch {
      return false;
    }
  }

  async #call<T>(
    server: Upstream,
    model: string,
    run: (client: ReturnType<UpstreamClients['ollama']>) => Promise<T>,
    timeoutMs = this.#timeoutMs,
  ): Promise<T> {
    try {
      return await run(this.#clients.ollama(server, AbortSignal.timeout(timeoutMs)));
    } catch (err) {
      const error = toLlmError(err, { provider: 'ollama', model });
      if (error.kind === 'timeout' || error.kind === 'aborted')
        error.message = `ollama ${server.id}: no answer within ${timeoutMs} ms`;
      throw error;
    }
  }
}
