/**
 * A stand-in for an Ollama server: a real HTTP server on 127.0.0.1 that speaks enough of
 * Ollama's API (native and OpenAI-compatible) for the official `ollama` and `openai` clients to
 * work against it unmodified. It "generates" deterministically (the first N words of the last
 * user message), counts tokens as words, keeps /api/ps honest about loaded models and lets tests
 * inject the failures a GPU box produces (OOM, busy queue, missing model, slowness, stream errors).
 * It also embeds (`/api/embed`, `/v1/embeddings`, see ./stand-in-embeddings.ts), can enforce a
 * vLLM-style context length on `/v1/chat/completions` (`contextTokens`), and speaks Anthropic
 * Messages at `/v1/messages` as Ollama ≥ 0.14 does (./ollama-stand-in-anthropic.ts; tool calls
 * as ./stand-in-tools.ts makes them).
 *
 * Import as `@nightshift/testkit/ollama-stand-in`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { answerAnthropic, anthropicInference } from './ollama-stand-in-anthropic.ts';
import { serveEmbed } from './ollama-stand-in-embed.ts';
import {
  answerWhole,
  type Flavor,
  failRequest,
  head,
  type Inference,
  isOpenAiFlavor,
  listenOnLoopback,
  readBody,
  sendError,
  sendJson,
  streamOllama,
  streamOpenAi,
  toInference,
} from './ollama-stand-in-http.ts';
import {
  chatObject,
  generateObject,
  psBody,
  showBody,
  tagsBody,
} from './ollama-stand-in-payloads.ts';
import {
  entryOf,
  linkEntry,
  RecordedRequest,
  record,
  type StandInRequest,
} from './ollama-stand-in-requests.ts';
import { runOnModel } from './ollama-stand-in-run.ts';
import {
  FaultBook,
  ModelRegistry,
  missingMessage,
  Slots,
  type StandInFault,
  type StandInModelSpec,
} from './ollama-stand-in-state.ts';
import { completionCap, contextLengthMessage, vllmErrorBody } from './stand-in-context-length.ts';

export { defaultReplyWords } from './ollama-stand-in-payloads.ts';
export type { StandInRequest } from './ollama-stand-in-requests.ts';
export {
  busyMessage,
  missingMessage,
  oomLoadMessage,
  oomRunMessage,
  type StandInFault,
  type StandInFaultKind,
  type StandInModelSpec,
} from './ollama-stand-in-state.ts';
export { standInEmbedding, standInEmbeddingDimensions } from './stand-in-embeddings.ts';

/** Options of {@link startOllamaStandIn}. */
export interface OllamaStandInOptions {
  /** Models served (anything else answers 404). Default: `qwen3:32b` (19.9 GB) and `qwen2:7b` (4.4 GB). */
  models?: readonly StandInModelSpec[];
  /** Delay per generated token (word), in ms. Default 0. */
  tokenLatencyMs?: number;
  /** Requests generating at once (OLLAMA_NUM_PARALLEL); the others wait. Default 4. */
  parallel?: number;
  /** Requests allowed to wait for a slot (OLLAMA_MAX_QUEUE); beyond it: 503 server busy. Default 512. */
  maxQueue?: number;
  /** Port on 127.0.0.1. Default 0 (a free port). */
  port?: number;
  /** How long a model stays loaded without `keep_alive` (Ollama: 5 min). Default 300 000 ms. */
  defaultKeepAliveMs?: number;
  /** Context length reported for a model loaded without `num_ctx`. Default 4096. */
  defaultNumCtx?: number;
  /**
   * Context length, in tokens (words), that `/v1/chat/completions` enforces as vLLM does: prompt
   * + `max_tokens` (or `max_completion_tokens`) beyond it answers HTTP 400 with vLLM's
   * `BadRequestError` body. Default: no limit.
   */
  contextTokens?: number;
  /** What GET /api/version answers. Default `0.12.0`. */
  version?: string;
  /**
   * How many of the latest requests {@link OllamaStandIn.requests} keeps. Default: all. A
   * benchmark sending tens of thousands of calls sets it, so their bodies are not kept alive.
   */
  keepRequests?: number;
}

/** A running stand-in. */
export interface OllamaStandIn {
  /** Base URL, `http://127.0.0.1:<port>` (use as Ollama host; OpenAI base URL is `${url}/v1`). */
  url: string;
  port: number;
  /**
   * Every request received (or the latest `keepRequests`), oldest first (live array; cleared by
   * {@link OllamaStandIn.reset}).
   */
  requests: StandInRequest[];
  /** Arms a fault for the next matching inference request(s). */
  failNext(fault: StandInFault): void;
  /** Loaded models as /api/ps would list them (names). */
  loadedModels(): string[];
  /** Slots in use and requests waiting. */
  queue(): { active: number; waiting: number };
  /** Forgets requests, faults and loaded models. */
  reset(): void;
  /** Aborts in-flight requests and stops listening. */
  close(): Promise<void>;
}

type PostRoute = Flavor | 'show' | 'ollama-embed' | 'openai-embed';

const postRoutes: Record<string, PostRoute | undefined> = {
  '/api/chat': 'chat',
  '/api/generate': 'generate',
  '/v1/chat/completions': 'openai',
  '/v1/completions': 'openai-text',
  '/v1/messages': 'anthropic',
  '/api/show': 'show',
  '/api/embed': 'ollama-embed',
  '/v1/embeddings': 'openai-embed',
};

/** Whose error shape a route answers in. */
function errorFlavor(route: PostRoute): Flavor {
  if (route === 'openai-text' || route === 'anthropic') return route;
  return route === 'openai' || route === 'openai-embed' ? 'openai' : 'chat';
}

/** The path of a request target; only a target with a query or an absolute URL needs parsing. */
function pathOf(target: string): string {
  if (target.startsWith('/') && !target.includes('?') && !target.includes('#')) return target;
  return new URL(target, 'http://127.0.0.1').pathname;
}

const defaultModels: StandInModelSpec[] = [
  { name: 'qwen3:32b', sizeBytes: 19_900_000_000, parameterSize: '32.8B', family: 'qwen3' },
  { name: 'qwen2:7b', sizeBytes: 4_400_000_000, parameterSize: '7.6B', family: 'qwen2' },
];

/**
 * Starts an Ollama stand-in on 127.0.0.1.
 *
 * @example
 * const ollama = await startOllamaStandIn({ models: [{ name: 'qwen2:7b', sizeBytes: 4e9 }] });
 * const client = new Ollama({ host: ollama.url });
 * ollama.failNext({ kind: 'oom' });
 * await expect(client.chat({ model: 'qwen2:7b', messages })).rejects.toThrow(/out of memory/);
 * await ollama.close();
 */
export async function startOllamaStandIn(
  options: OllamaStandInOptions = {},
): Promise<OllamaStandIn> {
  const registry = new ModelRegistry(options.models ?? defaultModels);
  const faults = new FaultBook();
  const slots = new Slots(Math.max(1, options.parallel ?? 4), Math.max(0, options.maxQueue ?? 512));
  const tokenLatencyMs = Math.max(0, options.tokenLatencyMs ?? 0);
  const defaultKeepAliveMs = options.defaultKeepAliveMs ?? 300_000;
  const defaultNumCtx = options.defaultNumCtx ?? 4096;
  const contextTokens = options.contextTokens;
  const requests: StandInRequest[] = [];
  const keepRequests = Math.max(1, options.keepRequests ?? Number.POSITIVE_INFINITY);
  const inFlight = new Set<AbortController>();
  const floor = { faults, slots, registry };

  function recordRequest(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    body: unknown,
  ): StandInRequest {
    const entry = new RecordedRequest(req.method ?? 'GET', path, body);
    requests.push(entry);
    // Trimmed in steps of `keepRequests`, not one by one: each trim moves the whole array.
    if (requests.length >= 2 * keepRequests) requests.splice(0, requests.length - keepRequests);
    linkEntry(res, entry);
    return entry;
  }

  async function infer(
    res: ServerResponse,
    call: Inference,
    signal: () => AbortSignal,
  ): Promise<void> {
    if (!registry.find(call.model)) {
      sendError(res, call.flavor, 404, missingMessage(call.model));
      return;
    }
    if (call.loadOnly) {
      // Ollama's load/unload idiom: no prompt, only a model and keep_alive.
      const unload = call.keepAliveMs <= 0;
      if (unload) registry.unload(call.model);
      else registry.load(call.model, call.keepAliveMs, call.numCtx);
      const reason = unload ? 'unload' : 'load';
      sendJson(
        res,
        200,
        call.flavor === 'chat'
          ? chatObject(call.model, '', true, reason)
          : generateObject(call.model, '', true, reason),
      );
      return;
    }
    if (call.flavor === 'openai' && contextTokens !== undefined) {
      // Checked before anything is scheduled, as vLLM does.
      const tooLong = contextLengthMessage(contextTokens, call.promptTokens, call.cap);
      if (tooLong) return sendJson(res, 400, vllmErrorBody(tooLong));
      call.cap = completionCap(contextTokens, call.promptTokens, call.cap);
    }
    await runOnModel(
      floor,
      res,
      {
        ...call,
        async answer(fault, aborted) {
          if (call.flavor === 'anthropic')
            await answerAnthropic(res, tokenLatencyMs, call, fault, aborted);
          else if (isOpenAiFlavor(call.flavor) && call.stream)
            await streamOpenAi(res, tokenLatencyMs, call, fault, aborted());
          else if (call.stream) await streamOllama(res, tokenLatencyMs, call, fault, aborted());
          else await answerWhole(res, tokenLatencyMs, call, fault, aborted);
        },
      },
      signal,
    );
  }

  async function route(
    req: IncomingMessage,
    res: ServerResponse,
    signal: () => AbortSignal,
  ): Promise<void> {
    const path = pathOf(req.url ?? '/');
    const method = req.method ?? 'GET';
    if (method === 'GET' || method === 'HEAD') {
      if (
        path !== '/api/ps' &&
        path !== '/api/tags' &&
        path !== '/api/version' &&
        path !== '/' &&
        path !== '/v1/models'
      ) {
        head(res, 404, 'text/plain').end('404 page not found');
        return;
      }
      recordRequest(req, res, path, undefined);
      if (path === '/') head(res, 200, 'text/plain').end('Ollama is running');
      else if (path === '/api/version')
        sendJson(res, 200, { version: options.version ?? '0.12.0' });
      else if (path === '/api/tags') sendJson(res, 200, tagsBody(registry.specs.values()));
      else if (path === '/api/ps') sendJson(res, 200, psBody(registry.running()));
      else
        sendJson(res, 200, {
          object: 'list',
          data: [...registry.specs.values()].map((m) => ({
            id: m.name,
            object: 'model',
            created: 0,
            owned_by: 'library',
          })),
        });
      return;
    }
    const flavor = postRoutes[path];
    if (method !== 'POST' || flavor === undefined) {
      head(res, 404, 'text/plain').end('404 page not found');
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      recordRequest(req, res, path, undefined);
      sendError(res, errorFlavor(flavor), 400, 'invalid JSON in request body');
      return;
    }
    recordRequest(req, res, path, body);
    if (flavor === 'ollama-embed' || flavor === 'openai-embed') {
      const dialect = flavor === 'ollama-embed' ? 'ollama' : 'openai';
      const defaults = { keepAliveMs: defaultKeepAliveMs, numCtx: defaultNumCtx };
      await serveEmbed(floor, defaults, res, dialect, body, signal);
      return;
    }
    const b = record(body);
    const model = typeof b.model === 'string' ? b.model : typeof b.name === 'string' ? b.name : '';
    if (flavor === 'show') {
      const spec = registry.find(model);
      if (!spec) sendJson(res, 404, { error: missingMessage(model) });
      else sendJson(res, 200, showBody(spec, defaultNumCtx));
      return;
    }
    if (model === '') {
      sendError(res, flavor, 400, 'model is required');
      return;
    }
    const defaults = { keepAliveMs: defaultKeepAliveMs, numCtx: defaultNumCtx };
    await infer(
      res,
      flavor === 'anthropic'
        ? anthropicInference(b, model, defaults)
        : toInference(flavor, b, model, defaults),
      signal,
    );
  }

  const server = createServer((req, res) => {
    // The abort signal is made only when something waits on it (a queue, a delay, a stream):
    // an instant answer, the common case of the benchmarks, needs none.
    let controller: AbortController | undefined;
    let gone = false;
    const signal = () => {
      if (!controller) {
        controller = new AbortController();
        if (gone) controller.abort(new Error('client went away'));
        else inFlight.add(controller);
      }
      return controller.signal;
    };
    res.once('close', () => {
      gone = !res.writableFinished;
      // 'close' follows 'finish' at once; one listener per request instead of two.
      const entry = entryOf(res);
      if (entry && !gone) entry.finishedAt = Date.now();
      if (!controller) return;
      inFlight.delete(controller);
      // Only an answer cut short has anything to stop.
      if (gone) controller.abort(new Error('client went away'));
    });
    route(req, res, signal).catch(() => failRequest(res));
  });

  const port = await listenOnLoopback(server, options.port);

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    failNext: (fault) => faults.arm(fault),
    loadedModels: () => registry.running().map((m) => m.requestedName),
    queue: () => slots.stats(),
    reset() {
      requests.length = 0;
      faults.clear();
      registry.clear();
    },
    async close() {
      for (const controller of inFlight) controller.abort(new Error('stand-in closing'));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
