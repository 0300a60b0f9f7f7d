/**
 * A model-server stand-in that behaves like a GPU: a real HTTP server on 127.0.0.1 speaking
 * Ollama's API and the OpenAI-compatible API (so the real `ollama` and `openai` clients work),
 * with inference timed by {@link GpuEngine}'s continuous batching instead of a fixed delay.
 *
 * - `vllm` mode: one engine (KV cache in tokens, `maxNumSeqs`), FIFO wait queue, `/metrics`.
 * - `ollama` mode: per model, `parallel` slots and a load time; one memory budget for weights
 *   and request KV; what does not fit gets HTTP 500 "CUDA error: out of memory"; `/api/ps`.
 *
 * The plain {@link startOllamaStandIn} is unchanged; this is a separate server.
 * Import as `@nightshift/testkit/gpu-stand-in`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { GpuEngine, type GpuEngineOptions, SequenceTooLongError } from './gpu-engine.ts';
import { GpuEngineRunner } from './gpu-engine-runner.ts';
import { type ModelStats, metricsText } from './gpu-metrics.ts';
import { OllamaModels, type OllamaModeOptions } from './gpu-ollama-models.ts';
import { answerWriter } from './gpu-stand-in-answer.ts';
import {
  type Flavor,
  failRequest,
  head,
  type Inference,
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
  type StandInModelSpec,
} from './ollama-stand-in-state.ts';

export type { GpuEngineOptions } from './gpu-engine.ts';
export type { OllamaModeOptions } from './gpu-ollama-models.ts';

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
  /** Port on 127.0.0.1. Default 0 (a free port). */
  port?: number;
}

/** A running GPU stand-in. */
export interface GpuStandIn {
  /** Base URL (Ollama host; OpenAI base URL is `${url}/v1`). */
  url: string;
  port: number;
  /** Engine counts per model (the numbers behind /metrics). */
  stats(): ModelStats[];
  /** Aborts in-flight requests and stops listening. */
  close(): Promise<void>;
}

const postRoutes: Record<string, Flavor | undefined> = {
  '/api/chat': 'chat',
  '/api/generate': 'generate',
  '/v1/chat/completions': 'openai',
};

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
  const vllm = mode === 'vllm' ? new GpuEngineRunner(new GpuEngine(options.engine)) : undefined;
  const ollama =
    mode === 'ollama' ? new OllamaModels(options.ollama ?? {}, options.engine ?? {}) : undefined;
  const inFlight = new Set<ServerResponse>();

  function stats(): ModelStats[] {
    if (vllm) return [{ modelName: firstName, stats: vllm.engine.stats() }];
    return (ollama as OllamaModels).stats();
  }

  /** `numCtx`: the context the request asked for (`options.num_ctx`), if it did. */
  async function infer(
    res: ServerResponse,
    call: Inference,
    spec: StandInModelSpec,
    numCtx: number | undefined,
  ) {
    let runner = vllm;
    let kvFree = () => {};
    if (ollama) {
      const unload = call.loadOnly && call.keepAliveMs <= 0;
      if (unload) ollama.unload(call.model);
      else {
        const loaded = await ollama.load(spec, call.model, call.numCtx);
        if (!loaded.ok) return sendError(res, call.flavor, 500, loaded.message);
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
    const writer = answerWriter(res, call, () => kvFree());
    const models = ollama;
    // Ollama mode: KV memory is taken when the request gets a slot, not while it waits for one.
    const onAdmit = models
      ? () => {
          const kv = models.reserveKv(numCtx ?? call.promptTokens + writer.outputTokens);
          if (kv.ok) kvFree = kv.free;
          else sendError(res, call.flavor, 500, kv.message);
          return kv.ok;
        }
      : undefined;
    let sequence: ReturnType<GpuEngine['submit']>;
    try {
      sequence = runner.engine.submit({ promptTokens: call.promptTokens, ...writer, onAdmit });
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
        head(res, 200, 'text/plain; version=0.0.4; charset=utf-8').end(metricsText(stats()));
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
    const flavor = postRoutes[path];
    if (method !== 'POST' || flavor === undefined) {
      head(res, 404, 'text/plain').end('404 page not found');
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = record(JSON.parse(await readBody(req)));
    } catch {
      return sendError(res, flavor, 400, 'invalid JSON in request body');
    }
    const model = typeof body.model === 'string' ? body.model : '';
    if (model === '') return sendError(res, flavor, 400, 'model is required');
    const spec = specs.get(canonicalModelName(model));
    if (!spec) return sendError(res, flavor, 404, missingMessage(model));
    const defaultNumCtx = options.ollama?.defaultNumCtx ?? 4096;
    const call = toInference(flavor, body, model, { keepAliveMs: 300_000, numCtx: defaultNumCtx });
    const numCtx = record(body.options).num_ctx;
    await infer(res, call, spec, typeof numCtx === 'number' ? call.numCtx : undefined);
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
    async close() {
      vllm?.stop();
      ollama?.stop();
      for (const res of inFlight) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
