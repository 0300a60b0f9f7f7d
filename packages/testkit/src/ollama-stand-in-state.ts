/**
 * The stand-in's memory: which models it serves, which are "loaded" (what /api/ps shows), the
 * parallel slots with their wait queue, and the armed faults. No HTTP here.
 */

/** A model the stand-in serves. */
export interface StandInModelSpec {
  /** Model name as clients send it, e.g. `qwen3:32b`. A name without a tag means `:latest`. */
  name: string;
  /** Size in bytes: what /api/tags and /api/ps report as `size`. */
  sizeBytes: number;
  /** Part of the size held in VRAM once loaded (/api/ps `size_vram`). Default: `sizeBytes`. */
  sizeVramBytes?: number;
  /** Model family in `details`. Default: the name before the tag. */
  family?: string;
  /** Parameter count label in `details`, e.g. `32.8B`. Default: `7B`. */
  parameterSize?: string;
}

/** Kinds of fault {@link FaultBook.arm} accepts. */
export type StandInFaultKind = 'oom' | 'busy' | 'missing' | 'slow' | 'stream_error';

/** A fault to inject into the next inference request(s). */
export interface StandInFault {
  /**
   * `oom`: HTTP 500 with a CUDA out-of-memory load failure; `busy`: 503 server busy; `missing`:
   * 404 model not found; `slow`: waits `delayMs` (holding a slot) and then answers normally;
   * `stream_error`: streams one token, then an `{"error":…}` line (non-streamed: HTTP 500).
   */
  kind: StandInFaultKind;
  /** Only requests for this model trigger it. Default: any model. */
  model?: string;
  /** How many requests it hits before it is used up. Default 1. */
  times?: number;
  /** Delay of a `slow` fault in ms. Default 1000. */
  delayMs?: number;
  /** Error text of a `stream_error` (or override for `oom`). Default: a CUDA OOM while running. */
  message?: string;
}

/** Real Ollama's message when the runner cannot allocate the model on the GPU. */
export const oomLoadMessage = 'llama runner process has terminated: CUDA error: out of memory';
/** Real Ollama's message when a runner dies mid-generation. */
export const oomRunMessage =
  'an error was encountered while running the model: CUDA error: out of memory';
/** Real Ollama's message when its pending queue is full (note the two spaces). */
export const busyMessage = 'server busy, please try again.  maximum pending requests exceeded';
/** Real Ollama's message for a model that is not pulled. */
export function missingMessage(model: string): string {
  return `model "${model}" not found, try pulling it first`;
}

/** Ollama resolves `llama3` to `llama3:latest`. */
export function canonicalModelName(name: string): string {
  // Without a ':' after the last '/', the tag is missing.
  return name.lastIndexOf(':') > name.lastIndexOf('/') ? name : `${name}:latest`;
}

const durationUnitsMs: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Parses Ollama's `keep_alive` (seconds as a number, or a Go duration like `5m`, `1h30m`,
 * `300ms`). Negative means "keep forever" (Infinity). Undefined or unparsable: the default.
 */
export function parseKeepAliveMs(value: unknown, defaultMs: number): number {
  if (typeof value === 'number' && Number.isFinite(value)) {
    return value < 0 ? Number.POSITIVE_INFINITY : value * 1000;
  }
  if (typeof value !== 'string' || value.trim() === '') return defaultMs;
  const text = value.trim();
  if (/^-?\d+(\.\d+)?$/.test(text)) return parseKeepAliveMs(Number(text), defaultMs);
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  const parts = [...body.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== body) return defaultMs;
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * (durationUnitsMs[p[2] ?? 's'] ?? 0), 0);
  return negative ? Number.POSITIVE_INFINITY : ms;
}

/** A model currently "in memory". */
export interface LoadedModel {
  spec: StandInModelSpec;
  /** Name as the loading request spelled it (what /api/ps echoes). */
  requestedName: string;
  /** Epoch ms after which it is unloaded; Infinity for keep_alive < 0. */
  expiresAt: number;
  contextLength: number;
  /**
   * KV memory its running requests hold now, in bytes (the GPU stand-in's Ollama mode): /api/ps
   * counts it in `size` and `size_vram`, as Ollama counts its KV cache.
   */
  kvBytes?: number;
}

/** Served models plus the ones loaded, with lazy expiry like Ollama's keep-alive timer. */
export class ModelRegistry {
  readonly specs: ReadonlyMap<string, StandInModelSpec>;
  private readonly loaded = new Map<string, LoadedModel>();

  constructor(models: readonly StandInModelSpec[]) {
    this.specs = new Map(models.map((m) => [canonicalModelName(m.name), m]));
  }

  find(name: string): StandInModelSpec | undefined {
    return this.specs.get(canonicalModelName(name));
  }

  load(name: string, keepAliveMs: number, contextLength: number): void {
    const key = canonicalModelName(name);
    const spec = this.specs.get(key);
    if (!spec) return;
    const expiresAt = Date.now() + keepAliveMs;
    const loaded = this.loaded.get(key);
    if (loaded) {
      // Every call loads its model twice (running, then its keep-alive): no new entry each time.
      loaded.requestedName = name;
      loaded.expiresAt = expiresAt;
      loaded.contextLength = contextLength;
    } else {
      this.loaded.set(key, { spec, requestedName: name, expiresAt, contextLength });
    }
  }

  unload(name: string): void {
    this.loaded.delete(canonicalModelName(name));
  }

  /** Loaded models that have not expired, in load order. */
  running(): LoadedModel[] {
    const now = Date.now();
    for (const [key, model] of this.loaded) {
      if (model.expiresAt <= now) this.loaded.delete(key);
    }
    return [...this.loaded.values()];
  }

  clear(): void {
    this.loaded.clear();
  }
}

/** Thrown by {@link Slots.acquire} when the wait queue is full. */
export class QueueFullError extends Error {}

/** Ollama's OLLAMA_NUM_PARALLEL and OLLAMA_MAX_QUEUE: N run, up to M wait, the rest get 503. */
export class Slots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly parallel: number,
    private readonly maxQueue: number,
  ) {}

  /** A slot at once, or undefined when every slot is taken (then {@link acquire} queues). */
  tryAcquire(): (() => void) | undefined {
    if (this.active >= this.parallel) return undefined;
    this.active++;
    return this.releaser();
  }

  /**
   * Resolves with a release function once a slot is free; rejects if the request's signal
   * (asked for only when it has to wait) aborts first.
   */
  async acquire(signalOf: () => AbortSignal): Promise<() => void> {
    const now = this.tryAcquire();
    if (now) return now;
    if (this.waiting.length >= this.maxQueue) throw new QueueFullError(busyMessage);
    const signal = signalOf();
    if (signal.aborted) throw signal.reason;
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiting.indexOf(wake);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal.reason);
      };
      const wake = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      this.waiting.push(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    // A released slot was handed over to this waiter: `active` stays as it was.
    return this.releaser();
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `active` only drops when nobody waits.
      if (next) next();
      else this.active--;
    };
  }

  /** Requests holding a slot and requests waiting for one. */
  stats(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting.length };
  }
}

/** Armed faults, consumed first-armed first by matching requests. */
export class FaultBook {
  private faults: Array<StandInFault & { remaining: number }> = [];

  arm(fault: StandInFault): void {
    this.faults.push({ ...fault, remaining: fault.times ?? 1 });
  }

  /** Takes one use of the first fault matching `model`, if any. */
  take(model: string): StandInFault | undefined {
    const wanted = canonicalModelName(model);
    const index = this.faults.findIndex(
      (f) => f.model === undefined || canonicalModelName(f.model) === wanted,
    );
    const fault = this.faults[index];
    if (!fault) return undefined;
    fault.remaining--;
    if (fault.remaining <= 0) this.faults.splice(index, 1);
    return fault;
  }

  clear(): void {
    this.faults = [];
  }
}

/** Sleeps `ms`, waking early (rejecting) when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
