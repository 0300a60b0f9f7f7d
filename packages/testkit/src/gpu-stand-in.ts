/**
 * A model-server stand-in that behaves like a GPU: a real HTTP server on 127.0.0.1 speaking
 * Ollama's API and the OpenAI-compatible API (so the real `ollama` and `openai` clients work),
 * with inference timed by {@link GpuEngine}'s continuous batching instead of a fixed delay.
 *
 * - `vllm` mode: one engine (KV cache in tokens, `maxNumSeqs`), FIFO wait queue, `/metrics`,
 *   and vLLM's context-length 400 (`contextTokens`).
 * - `ollama` mode: per model, `parallel` slots and a load time; one memory budget for weights
 *   and request KV; what does not fit gets HTTP 500 "CUDA error: out of memory"; `/api/ps`.
 *
 * Both modes embed (`/api/embed`, `/v1/embeddings`): an embedding is one engine step.
 * The plain {@link startOllamaStandIn} is unchanged; this is a separate server.
 * Import as `@nightshift/testkit/gpu-stand-in`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { GpuEngine, type GpuEngineOptions, SequenceTooLongError } from './gpu-engine.ts';
import { GpuEngineRunner } from './gpu-engine-runner.ts';
import { type ModelStats, metricsText } from './gpu-metrics.ts';
import { OllamaModels, type OllamaModeOptions } from './gpu-ollama-models.ts';
import {
  dcgmMetricsText,
  GpuPowerMeter,
  type GpuPowerOptions,
  type GpuPowerReading,
} from './gpu-power.ts';
import { type AnswerWriter, answerWriter, embedWriter } from './gpu-stand-in-answer.ts';
import {
  type Flavor,
  failRequest,
  head,
  listenOnLoopback,
  readBody,
  sendError,
  sendJson,
  toInference,
} from './ollama-stand-in-http.ts';
import { chatObject, generateObject, psBody, tagsBody } from './ollama-stand-in-payloads.ts';
import { record } from './ollama-stand-in-requests.ts';
import {
  canonicalModelName,
  missingMessage,
  parseKeepAliveMs,
  type StandInModelSpec,
} from './ollama-stand-in-state.ts';
import {
  completionCap,
  contextLengthMessage,
  embeddingContextMessage,
  vllmErrorBody,
} from './stand-in-context-length.ts';
import {
  type EmbedDialect,
  embedInputTooLongMessage,
  fitToContext,
  parseEmbedCall,
} from './stand-in-embeddings.ts';

export type { GpuEngineOptions } from './gpu-engine.ts';
export type { OllamaModeOptions } from './gpu-ollama-models.ts';
export type { GpuPowerOptions, GpuPowerReading } from './gpu-power.ts';
export { standInEmbedding, standInEmbeddingDimensions } from './stand-in-embeddings.ts';

/** Options of {@link startGpuStandIn}. */
export interface GpuStandInOptions {
  /** `vllm`: continuous batching over one KV cache; `ollama`: slots and a memory budget. Default `vllm`. */
  mode?: 'vllm' | 'ollama';
  /** Models served (anything else answers 404). Default: one `qwen2:7b` of 4.4 GB. */
  models?: readonly StandInModelSpec[];
  /**
   * Step timing, KV cache and sequence cap. In `vllm` mode one engine serves every model; in
   * `ollama` mode each loaded model gets its own, with `maxNumSeqs` = `ollama.parallel` and no
   * KV token limit (memory is the limit there).
   */
  engine?: GpuEngineOptions;
  /** Settings of the `ollama` mode (ignored in `vllm` mode). */
  ollama?: OllamaModeOptions;
  /**
   * Context length in tokens (words) of the `vllm` mode, enforced as vLLM does on the OpenAI
   * endpoints: a chat request whose prompt + `max_tokens` (or `max_completion_tokens`) exceeds
   * it, or an embedding input longer than it, answers HTTP 400 with vLLM's `BadRequestError`
   * body. Ignored in `ollama` mode (its context is `num_ctx`). Default: no limit.
   */
  contextTokens?: number;
  /** Port on 127.0.0.1. Default 0 (a free port). */
  port?: number;
  /** Told of every sequence handed to an engine (generating or embedding), as it is submitted. */
  onSequence?: (sequence: { model: string; promptTokens: number }) => void;
  /**
   * The power model (idle watts + watts per running sequence, capped) behind {@link
   * GpuStandIn.power} and the DCGM-exporter lines of `/metrics`
   * (`DCGM_FI_DEV_POWER_USAGE`, `DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION`, `gpu="0"`).
   */
  power?: GpuPowerOptions;
}

/** A running GPU stand-in. */
export interface GpuStandIn {
  /** Base URL (Ollama host; OpenAI base URL is `${url}/v1`). */
  url: string;
  port: number;
  /** Engine counts per model (the numbers behind /metrics). */
  stats(): ModelStats[];
  /**
   * Sequences running and waiting, summed over every model's engine: `active` 0 means no
   * request holds a batch place (or, in `ollama` mode, a slot).
   */
  queue(): { active: number; waiting: number };
  /** Requests answered 500 "CUDA error: out of memory" (model load or KV) since the start. */
  outOfMemoryAnswers(): number;
  /**
   * The power model now: watts, the energy counter (mJ since the start) and the busy seconds
   * (time with at least one running sequence, over every model).
   */
  power(): GpuPowerReading;
  /** Aborts in-flight requests and stops listening. */
  close(): Promise<void>;
}

type PostRoute = Flavor | 'ollama-embed' | 'openai-embed';

const postRoutes: Record<string, PostRoute | undefined> = {
  '/api/chat': 'chat',
  '/api/generate': 'generate',
  '/v1/chat/completions': 'openai',
  '/api/embed': 'ollama-embed',
  '/v1/embeddings': 'openai-embed',
};

/** What {@link startGpuStandIn}'s engine path needs of a request, generating or embedding. */
interface EngineCall {
  /** Whose error shape it answers in. */
  flavor: Flavor;
  model: string;
  /** Ollama's load/unload idiom (no prompt): answered without touching the engine. */
  loadOnly: boolean;
  keepAliveMs: number;
  numCtx: number;
  promptTokens: number;
}

const defaultModels: StandInModelSpec[] = [
  { name: 'qwen2:7b', sizeBytes: 4_400_000_000, parameterSize: '7.6B', family: 'qwen2' },
];

/**
 * Starts a GPU stand-in on 127.0.0.1.
 *
 * @example
 * const gpu = await startGpuStandIn({ engine: { kvCapacityTokens: 2048, maxNumSeqs: 16 } });
 * const openai = new OpenAI({ baseURL: `${gpu.url}/v1`, apiKey: 'none' });
 * await openai.chat.completions.create({ model: 'qwen2:7b', messages, max_tokens: 32 });
 * await gpu.close();
 */
export async function startGpuStandIn(options: GpuStandInOptions = {}): Promise<GpuStandIn> {
  const mode = options.mode ?? 'vllm';
  const specs = new Map(
    (options.models ?? defaultModels).map((m) => [canonicalModelName(m.name), m]),
  );
  const firstName = [...specs.values()][0]?.name ?? 'model';
  const meter = new GpuPowerMeter(() => queue().active, options.power);
  const engineOptions: GpuEngineOptions = {
    ...options.engine,
    onRunningChange: () => {
      meter.update();
      options.engine?.onRunningChange?.();
    },
  };
  const vllm = mode === 'vllm' ? new GpuEngineRunner(new GpuEngine(engineOptions)) : undefined;
  const ollama =
    mode === 'ollama' ? new OllamaModels(options.ollama ?? {}, engineOptions) : undefined;
  const inFlight = new Set<ServerResponse>();
  const contextTokens = options.contextTokens;
  const defaultNumCtx = options.ollama?.defaultNumCtx ?? 4096;
  let outOfMemory = 0;

  function stats(): ModelStats[] {
    if (vllm) return [{ modelName: firstName, stats: vllm.engine.stats() }];
    // Read by the power meter from the engines' constructors, before `ollama` is assigned.
    return ollama ? ollama.stats() : [];
  }

  function queue(): { active: number; waiting: number } {
    let active = 0;
    let waiting = 0;
    for (const { stats: counts } of stats()) {
      active += counts.running;
      waiting += counts.waiting;
    }
    return { active, waiting };
  }

  /**
   * Runs `call` as one engine sequence, `writerFor` writing its answer. `numCtx`: the context
   * the request asked for (`options.num_ctx`), if it did.
   */
  async function infer(
    res: ServerResponse,
    call: EngineCall,
    spec: StandInModelSpec,
    numCtx: number | undefined,
    writerFor: (finished: () => void) => AnswerWriter,
  ) {
    let runner = vllm;
    let kvFree = () => {};
    if (ollama) {
      const unload = call.loadOnly && call.keepAliveMs <= 0;
      if (unload) ollama.unload(call.model);
      else {
        const loaded = await ollama.load(spec, call.model, call.numCtx);
        if (!loaded.ok) {
          outOfMemory++;
          return sendError(res, call.flavor, 500, loaded.message);
        }
        runner = loaded.runner;
      }
      if (call.loadOnly) {
        const reason = unload ? 'unload' : 'load';
        const build = call.flavor === 'chat' ? chatObject : generateObject;
        return sendJson(res, 200, build(call.model, '', true, reason));
      }
    }
    // A client that left while its model loaded has nobody to generate for.
    if (!runner || res.destroyed) return;
    const writer = writerFor(() => kvFree());
    const models = ollama;
    // Ollama mode: KV memory is taken when the request gets a slot, not while it waits for one.
    const onAdmit = models
      ? () => {
          const kv = models.reserveKv(
            call.model,
            numCtx ?? call.promptTokens + writer.outputTokens,
          );
          if (kv.ok) kvFree = kv.free;
          else {
            outOfMemory++;
            sendError(res, call.flavor, 500, kv.message);
          }
          return kv.ok;
        }
      : undefined;
    let sequence: ReturnType<GpuEngine['submit']>;
    try {
      sequence = runner.engine.submit({ promptTokens: call.promptTokens, ...writer, onAdmit });
      options.onSequence?.({ model: call.model, promptTokens: call.promptTokens });
    } catch (err) {
      kvFree();
      if (!(err instanceof SequenceTooLongError)) throw err;
      return sendError(res, call.flavor, 400, err.message);
    }
    const engine = runner.engine;
    res.once('close', () => {
      if (res.writableFinished) return;
      // The client went away: its sequence stops holding KV and a batch place.
      engine.cancel(sequence);
      kvFree();
    });
    runner.wake();
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const method = req.method ?? 'GET';
    if (method === 'GET') {
      if (path === '/metrics')
        head(res, 200, 'text/plain; version=0.0.4; charset=utf-8').end(
          metricsText(stats()) + dcgmMetricsText(meter.read(), `GPU-stand-in-${port}`),
        );
      else if (path === '/api/tags') sendJson(res, 200, tagsBody(specs.values()));
      else if (path === '/api/ps') sendJson(res, 200, psBody(ollama ? ollama.running() : []));
      else if (path === '/api/version') sendJson(res, 200, { version: '0.12.0' });
      else if (path === '/v1/models')
        sendJson(res, 200, {
          object: 'list',
          data: [...specs.values()].map((m) => ({ id: m.name, object: 'model', owned_by: 'gpu' })),
        });
      else if (path === '/' || path === '/health') head(res, 200, 'text/plain').end('OK');
      else head(res, 404, 'text/plain').end('404 page not found');
      return;
    }
    const route = postRoutes[path];
    if (method !== 'POST' || route === undefined) {
      head(res, 404, 'text/plain').end('404 page not found');
      return;
    }
    const flavor: Flavor =
      route === 'openai-embed' ? 'openai' : route === 'ollama-embed' ? 'chat' : route;
    let body: Record<string, unknown>;
    try {
      body = record(JSON.parse(await readBody(req)));
    } catch {
      return sendError(res, flavor, 400, 'invalid JSON in request body');
    }
    if (route === 'ollama-embed' || route === 'openai-embed')
      return embed(res, route === 'ollama-embed' ? 'ollama' : 'openai', flavor, body);
    const model = typeof body.model === 'string' ? body.model : '';
    if (model === '') return sendError(res, flavor, 400, 'model is required');
    const spec = specs.get(canonicalModelName(model));
    if (!spec) return sendError(res, flavor, 404, missingMessage(model));
    const call = toInference(flavor, body, model, { keepAliveMs: 300_000, numCtx: defaultNumCtx });
    if (vllm && flavor === 'openai' && contextTokens !== undefined) {
      // Checked before anything is scheduled, as vLLM does.
      const tooLong = contextLengthMessage(contextTokens, call.promptTokens, call.cap);
      if (tooLong) return sendJson(res, 400, vllmErrorBody(tooLong));
      call.cap = completionCap(contextTokens, call.promptTokens, call.cap);
    }
    const numCtx = record(body.options).num_ctx;
    await infer(res, call, spec, typeof numCtx === 'number' ? call.numCtx : undefined, (done) =>
      answerWriter(res, call, done),
    );
  }

  /** An embedding request: one engine sequence that generates nothing, so one step. */
  async function embed(
    res: ServerResponse,
    dialect: EmbedDialect,
    flavor: Flavor,
    body: Record<string, unknown>,
  ): Promise<void> {
    const parsed = parseEmbedCall(dialect, body);
    if (!parsed.ok) return sendError(res, flavor, 400, parsed.message);
    const call = parsed.call;
    const spec = specs.get(canonicalModelName(call.model));
    if (!spec) return sendError(res, flavor, 404, missingMessage(call.model));
    // vLLM refuses an input over the context; Ollama cuts it to num_ctx unless told not to.
    const limit = vllm ? contextTokens : (call.numCtx ?? defaultNumCtx);
    const fitted = fitToContext(call.inputs, limit);
    if (fitted.firstOverLimit !== undefined && limit !== undefined) {
      if (vllm)
        return sendJson(
          res,
          400,
          vllmErrorBody(embeddingContextMessage(limit, fitted.firstOverLimit) ?? ''),
        );
      if (!call.truncate) return sendError(res, flavor, 400, embedInputTooLongMessage);
    }
    const engineCall: EngineCall = {
      flavor,
      model: call.model,
      loadOnly: false,
      keepAliveMs: parseKeepAliveMs(call.keepAlive, 300_000),
      numCtx: limit ?? defaultNumCtx,
      promptTokens: fitted.promptTokens,
    };
    await infer(res, engineCall, spec, call.numCtx, (done) => embedWriter(res, call, fitted, done));
  }

  const server = createServer((req, res) => {
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    route(req, res).catch(() => failRequest(res));
  });
  const port = await listenOnLoopback(server, options.port);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stats,
    outOfMemoryAnswers: () => outOfMemory,
    power: () => meter.read(),
    queue,
    async close() {
      vllm?.stop();
      ollama?.stop();
      for (const res of inFlight) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
