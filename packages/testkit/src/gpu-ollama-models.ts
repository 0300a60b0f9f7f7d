/**
 * The Ollama-like mode of the GPU stand-in: models loaded on demand (taking `loadMs` and their
 * VRAM), `parallel` slots per model, and request KV memory, all inside one memory budget.
 */
import { GpuEngine, type GpuEngineOptions } from './gpu-engine.ts';
import { GpuEngineRunner } from './gpu-engine-runner.ts';
import { type Allocation, MemoryBudget, OutOfMemoryError } from './gpu-memory.ts';
import type { ModelStats } from './gpu-metrics.ts';
import {
  canonicalModelName,
  type LoadedModel,
  oomLoadMessage,
  oomRunMessage,
  type StandInModelSpec,
  sleep,
} from './ollama-stand-in-state.ts';

/** Options of the `ollama` mode. */
export interface OllamaModeOptions {
  /** Requests generating at once per model (OLLAMA_NUM_PARALLEL); the rest wait. Default 4. */
  parallel?: number;
  /** GPU memory for weights and KV, in bytes. Default 24 GB. */
  memoryBytes?: number;
  /** How long loading a model takes, in ms. Default 0. */
  loadMs?: number;
  /**
   * KV memory per context token of a running request, in bytes. A request holds
   * `num_ctx × kvBytesPerToken` when it sets `num_ctx`, else `(prompt + output tokens) ×
   * kvBytesPerToken`. Default 131 072 (128 KiB, about a 7B model in fp16).
   */
  kvBytesPerToken?: number;
  /** Context length /api/ps reports for a model loaded without `num_ctx`. Default 4096. */
  defaultNumCtx?: number;
}

/** Either what was asked for, or the out-of-memory message to answer with. */
export type Fits<T> = ({ ok: true } & T) | { ok: false; message: string };

interface ModelState {
  loaded: LoadedModel;
  weights: Allocation;
  runner: GpuEngineRunner;
  /** Settles when the load time has passed. */
  ready: Promise<void>;
}

/** Loaded models, their engines and the shared memory budget. */
export class OllamaModels {
  private readonly memory: MemoryBudget;
  private readonly models = new Map<string, ModelState>();
  private readonly parallel: number;
  private readonly loadMs: number;
  private readonly kvBytesPerToken: number;
  private readonly defaultNumCtx: number;
  private readonly closing = new AbortController();

  constructor(
    options: OllamaModeOptions,
    private readonly engine: GpuEngineOptions,
  ) {
    this.memory = new MemoryBudget(options.memoryBytes ?? 24_000_000_000);
    this.parallel = Math.max(1, Math.floor(options.parallel ?? 4));
    this.loadMs = Math.max(0, options.loadMs ?? 0);
    this.kvBytesPerToken = Math.max(0, options.kvBytesPerToken ?? 131_072);
    this.defaultNumCtx = options.defaultNumCtx ?? 4096;
  }

  /**
   * The model's runner once it is loaded. A model not yet loaded takes its VRAM now (or fails
   * with Ollama's load OOM) and is ready after `loadMs`; concurrent callers share that wait.
   */
  async load(
    spec: StandInModelSpec,
    requestedName: string,
    numCtx: number,
  ): Promise<Fits<{ runner: GpuEngineRunner }>> {
    const key = canonicalModelName(requestedName);
    let state = this.models.get(key);
    if (!state) {
      let weights: Allocation;
      try {
        weights = this.memory.allocate(spec.sizeVramBytes ?? spec.sizeBytes, oomLoadMessage);
      } catch (err) {
        if (err instanceof OutOfMemoryError) return { ok: false, message: err.message };
        throw err;
      }
      const engine = new GpuEngine({
        ...this.engine,
        kvCapacityTokens: Number.POSITIVE_INFINITY,
        maxNumSeqs: this.parallel,
      });
      state = {
        loaded: {
          spec,
          requestedName,
          expiresAt: Number.POSITIVE_INFINITY,
          contextLength: numCtx > 0 ? numCtx : this.defaultNumCtx,
        },
        weights,
        runner: new GpuEngineRunner(engine),
        ready: sleep(this.loadMs, this.closing.signal),
      };
      this.models.set(key, state);
    }
    await state.ready;
    return { ok: true, runner: state.runner };
  }

  /** Frees a model's weights, unless requests still run on it. */
  unload(requestedName: string): void {
    const key = canonicalModelName(requestedName);
    const state = this.models.get(key);
    if (!state || state.runner.engine.busy()) return;
    state.runner.stop();
    state.weights.free();
    this.models.delete(key);
  }

  /**
   * Holds the KV memory of a request of `contextTokens` on `requestedName`'s model (shown in its
   * /api/ps `size_vram` until freed), or says it does not fit.
   */
  reserveKv(requestedName: string, contextTokens: number): Fits<{ free: () => void }> {
    try {
      const kv = this.memory.allocate(contextTokens * this.kvBytesPerToken, oomRunMessage);
      const loaded = this.models.get(canonicalModelName(requestedName))?.loaded;
      if (loaded) loaded.kvBytes = (loaded.kvBytes ?? 0) + kv.bytes;
      let freed = false;
      const free = () => {
        if (freed) return;
        freed = true;
        kv.free();
        if (loaded) loaded.kvBytes = (loaded.kvBytes ?? 0) - kv.bytes;
      };
      return { ok: true, free };
    } catch (err) {
      if (err instanceof OutOfMemoryError) return { ok: false, message: err.message };
      throw err;
    }
  }

  /** Loaded models, as /api/ps lists them. */
  running(): LoadedModel[] {
    return [...this.models.values()].map((s) => s.loaded);
  }

  /** Bytes of the budget in use (weights + KV). */
  usedBytes(): number {
    return this.memory.used();
  }

  /** Engine counts per loaded model. */
  stats(): ModelStats[] {
    return [...this.models.values()].map((s) => ({
      modelName: s.loaded.requestedName,
      stats: s.runner.engine.stats(),
    }));
  }

  /** Stops every engine and any load in progress. */
  stop(): void {
    this.closing.abort(new Error('stand-in closing'));
    for (const state of this.models.values()) state.runner.stop();
  }
}
