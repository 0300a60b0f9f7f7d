/**
 * Writes an inference answer token by token as the GPU engine produces them: NDJSON for Ollama
 * streaming, SSE for OpenAI streaming, one JSON object when the client did not ask to stream.
 */
import type { ServerResponse } from 'node:http';
import { head, type Inference, sendJson } from './ollama-stand-in-http.ts';
import {
  chatObject,
  doneStats,
  generateObject,
  openAiChunk,
  openAiCompletion,
  openAiUsageChunk,
  replyFor,
} from './ollama-stand-in-payloads.ts';
import { type EmbedCall, embedBody, type FittedInputs } from './stand-in-embeddings.ts';

/** The callbacks a sequence calls, and how many tokens it will produce. */
export interface AnswerWriter {
  outputTokens: number;
  onToken(index: number): void;
  onDone(): void;
}

/** A writer for `call` on `res`; `finished` is called once the answer is fully sent. */
export function answerWriter(
  res: ServerResponse,
  call: Inference,
  finished: () => void,
): AnswerWriter {
  const started = performance.now();
  const reply = replyFor(call.input, call.cap);
  const words = reply.words;
  const build = call.flavor === 'chat' ? chatObject : generateObject;
  const id = `chatcmpl-gpu-${Date.now()}`;
  const piece = (i: number) => (i === 0 ? (words[0] ?? '') : ` ${words[i] ?? ''}`);
  const open = () => {
    if (!res.headersSent)
      head(res, 200, call.flavor === 'openai' ? 'text/event-stream' : 'application/x-ndjson');
  };
  return {
    outputTokens: words.length,
    onToken(i) {
      if (!call.stream || res.destroyed) return;
      open();
      if (call.flavor === 'openai')
        res.write(
          `data: ${JSON.stringify(openAiChunk(call.model, id, piece(i), null, call.includeUsage))}\n\n`,
        );
      else res.write(`${JSON.stringify(build(call.model, piece(i), false))}\n`);
    },
    onDone() {
      finished();
      if (res.destroyed) return;
      const elapsedNs = Math.round((performance.now() - started) * 1e6);
      const stats = doneStats(call.promptTokens, words.length, elapsedNs);
      const reason = reply.truncated ? 'length' : 'stop';
      if (call.stream) {
        open();
        if (call.flavor === 'openai') {
          const last = openAiChunk(call.model, id, '', reason, call.includeUsage);
          res.write(`data: ${JSON.stringify(last)}\n\n`);
          if (call.includeUsage) {
            const usage = openAiUsageChunk(call.model, id, call.promptTokens, words.length);
            res.write(`data: ${JSON.stringify(usage)}\n\n`);
          }
          res.end('data: [DONE]\n\n');
        } else res.end(`${JSON.stringify(build(call.model, '', true, reason, stats))}\n`);
        return;
      }
      const text = words.join(' ');
      if (call.flavor === 'openai')
        sendJson(
          res,
          200,
          openAiCompletion(call.model, text, reply.truncated, call.promptTokens, words.length),
        );
      else sendJson(res, 200, build(call.model, text, true, reason, stats));
    },
  };
}

/**
 * A writer for an embedding call: it generates nothing, so its sequence is done after the one
 * engine step that reads its inputs, and then the vectors are sent.
 */
export function embedWriter(
  res: ServerResponse,
  call: EmbedCall,
  fitted: FittedInputs,
  finished: () => void,
): AnswerWriter {
  const started = performance.now();
  return {
    outputTokens: 0,
    onToken() {},
    onDone() {
      finished();
      if (res.destroyed) return;
      const elapsedNs = Math.round((performance.now() - started) * 1e6);
      sendJson(res, 200, embedBody(call, fitted, elapsedNs));
    },
  };
}
