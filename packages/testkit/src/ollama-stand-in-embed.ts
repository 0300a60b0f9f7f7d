/**
 * Embedding requests of the Ollama stand-in: `POST /api/embed` (Ollama) and `POST /v1/embeddings`
 * (its OpenAI-compatible endpoint). Each takes a slot like a chat request and is subject to the
 * armed faults; inputs longer than the context are cut to it unless `truncate: false` says to
 * refuse them, as Ollama does.
 */
import type { ServerResponse } from 'node:http';
import { type Flavor, sendError, sendJson } from './ollama-stand-in-http.ts';
import { type ModelFloor, runOnModel } from './ollama-stand-in-run.ts';
import { missingMessage, oomRunMessage, parseKeepAliveMs } from './ollama-stand-in-state.ts';
import {
  type EmbedDialect,
  embedBody,
  embedInputTooLongMessage,
  fitToContext,
  parseEmbedCall,
} from './stand-in-embeddings.ts';

/** Defaults of the stand-in an embedding request falls back on. */
export interface EmbedDefaults {
  keepAliveMs: number;
  numCtx: number;
}

/** Answers an embedding request of `dialect` with body `body`. */
export async function serveEmbed(
  floor: ModelFloor,
  defaults: EmbedDefaults,
  res: ServerResponse,
  dialect: EmbedDialect,
  body: unknown,
  signal: () => AbortSignal,
): Promise<void> {
  // Ollama's native errors are `{"error": "…"}`, whichever route.
  const flavor: Flavor = dialect === 'openai' ? 'openai' : 'chat';
  const parsed = parseEmbedCall(dialect, body);
  if (!parsed.ok) return sendError(res, flavor, 400, parsed.message);
  const call = parsed.call;
  if (!floor.registry.find(call.model))
    return sendError(res, flavor, 404, missingMessage(call.model));
  const numCtx = call.numCtx ?? defaults.numCtx;
  const fitted = fitToContext(call.inputs, numCtx);
  if (fitted.firstOverLimit !== undefined && !call.truncate)
    return sendError(res, flavor, 400, embedInputTooLongMessage);
  const started = performance.now();
  await runOnModel(
    floor,
    res,
    {
      flavor,
      model: call.model,
      keepAliveMs: parseKeepAliveMs(call.keepAlive, defaults.keepAliveMs),
      numCtx,
      async answer(fault) {
        if (fault?.kind === 'stream_error')
          return sendError(res, flavor, 500, fault.message ?? oomRunMessage);
        const elapsedNs = Math.round((performance.now() - started) * 1e6);
        sendJson(res, 200, embedBody(call, fitted, elapsedNs));
      },
    },
    signal,
  );
}
