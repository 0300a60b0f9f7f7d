/**
 * What the stand-in says: the deterministic "model output" and the JSON shapes of Ollama's
 * native API and its OpenAI-compatible endpoint.
 */
import { createHash } from 'node:crypto';
import type { LoadedModel, StandInModelSpec } from './ollama-stand-in-state.ts';

/** Reply length in words when a request sets no output cap (`num_predict` / `max_tokens`). */
export const defaultReplyWords = 128;

/** The deterministic model output: the first N words of `input`. */
export interface StandInReply {
  words: string[];
  /** True when the cap cut the input short (done_reason `length`). */
  truncated: boolean;
}

/**
 * Whitespace-separated words of `text`, counted without splitting it: the prompt-token count of
 * every call (system prompt and document together) would otherwise allocate an array per call.
 */
export function countWords(text: string): number {
  let count = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const space = isSpace(text.charCodeAt(i));
    if (!space && !inWord) count++;
    inWord = !space;
  }
  return count;
}

/** The characters `\s` matches in the Latin-1 range, plus the Unicode line separators. */
function isSpace(code: number): boolean {
  return (
    code === 32 ||
    (code >= 9 && code <= 13) ||
    code === 160 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

const wordPattern = /\S+/g;

/**
 * First `cap` words of `input` (cap ≤ 0 or undefined: {@link defaultReplyWords}). Reads only as
 * far as it needs: one word past the cap tells whether the reply was cut short.
 */
export function replyFor(input: string, cap: number | undefined): StandInReply {
  const limit = cap !== undefined && cap > 0 ? Math.floor(cap) : defaultReplyWords;
  const words: string[] = [];
  wordPattern.lastIndex = 0;
  for (let match = wordPattern.exec(input); match; match = wordPattern.exec(input)) {
    if (words.length === limit) return { words, truncated: true };
    words.push(match[0]);
  }
  return { words, truncated: false };
}

/** Chat message content: a string, or OpenAI's array of `{type:'text', text}` parts. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) =>
        part && typeof part === 'object' && 'text' in part && typeof part.text === 'string'
          ? part.text
          : '',
      )
      .join(' ');
  }
  return '';
}

function digestOf(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

function details(spec: StandInModelSpec) {
  const base = spec.name.split(':')[0] ?? spec.name;
  const family = spec.family ?? base.replace(/[^a-z]+$/i, '');
  return {
    parent_model: '',
    format: 'gguf',
    family,
    families: [family],
    parameter_size: spec.parameterSize ?? '7B',
    quantization_level: 'Q4_K_M',
  };
}

const modifiedAt = '2025-01-01T00:00:00Z';
// Ollama reports "forever" (keep_alive < 0) as a date far in the future.
const foreverIso = '2318-01-01T00:00:00Z';

export function tagsBody(specs: Iterable<StandInModelSpec>) {
  return {
    models: [...specs].map((spec) => ({
      name: spec.name,
      model: spec.name,
      modified_at: modifiedAt,
      size: spec.sizeBytes,
      digest: digestOf(spec.name),
      details: details(spec),
    })),
  };
}

export function psBody(running: LoadedModel[]) {
  return {
    models: running.map((m) => ({
      name: m.requestedName,
      model: m.requestedName,
      size: m.spec.sizeBytes + (m.kvBytes ?? 0),
      digest: digestOf(m.spec.name),
      details: details(m.spec),
      expires_at: Number.isFinite(m.expiresAt) ? new Date(m.expiresAt).toISOString() : foreverIso,
      size_vram: (m.spec.sizeVramBytes ?? m.spec.sizeBytes) + (m.kvBytes ?? 0),
      context_length: m.contextLength,
    })),
  };
}

export function showBody(spec: StandInModelSpec, contextLength: number) {
  const d = details(spec);
  return {
    license: '',
    modelfile: `FROM ${spec.name}\n`,
    parameters: 'stop "<|im_end|>"',
    template: '{{ .Prompt }}',
    details: d,
    model_info: {
      'general.architecture': d.family,
      'general.parameter_count': 7_000_000_000,
      [`${d.family}.context_length`]: contextLength,
    },
    capabilities: ['completion'],
    modified_at: modifiedAt,
  };
}

/** Counters shared by the final chunk of /api/chat and /api/generate. */
export function doneStats(promptTokens: number, evalTokens: number, elapsedNs: number) {
  return {
    total_duration: elapsedNs,
    load_duration: 0,
    prompt_eval_count: promptTokens,
    prompt_eval_duration: 0,
    eval_count: evalTokens,
    eval_duration: elapsedNs,
  };
}

/** One streamed (or the whole non-streamed) /api/chat object. */
export function chatObject(model: string, content: string, done: false): Record<string, unknown>;
export function chatObject(
  model: string,
  content: string,
  done: true,
  doneReason: string,
  stats?: ReturnType<typeof doneStats>,
): Record<string, unknown>;
export function chatObject(
  model: string,
  content: string,
  done: boolean,
  doneReason?: string,
  stats?: ReturnType<typeof doneStats>,
): Record<string, unknown> {
  const object: Record<string, unknown> = {
    model,
    created_at: new Date().toISOString(),
    message: { role: 'assistant', content },
    done,
  };
  if (done) object.done_reason = doneReason;
  return stats ? Object.assign(object, stats) : object;
}

/** One streamed (or the whole non-streamed) /api/generate object. */
export function generateObject(
  model: string,
  response: string,
  done: boolean,
  doneReason?: string,
  stats?: ReturnType<typeof doneStats>,
): Record<string, unknown> {
  return {
    model,
    created_at: new Date().toISOString(),
    response,
    done,
    ...(done ? { done_reason: doneReason, context: [] } : {}),
    ...(stats ?? {}),
  };
}

let completionCounter = 0;

/** Body of a non-streamed OpenAI `chat.completion`. */
export function openAiCompletion(
  model: string,
  text: string,
  truncated: boolean,
  promptTokens: number,
  completionTokens: number,
) {
  completionCounter++;
  return {
    id: `chatcmpl-${completionCounter}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    system_fingerprint: 'fp_ollama',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text },
        finish_reason: truncated ? 'length' : 'stop',
      },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
  };
}

/** A chat completion as OpenAI's legacy `text_completion` object writes the same answer. */
export function asTextCompletion(chat: ReturnType<typeof openAiCompletion>) {
  const [choice] = chat.choices;
  return {
    ...chat,
    id: chat.id.replace('chatcmpl-', 'cmpl-'),
    object: 'text_completion',
    choices: [
      {
        index: 0,
        text: choice?.message.content ?? '',
        logprobs: null,
        finish_reason: choice?.finish_reason,
      },
    ],
  };
}

/**
 * One SSE `chat.completion.chunk` of a streamed OpenAI request. With `usageField` (the request
 * set `stream_options.include_usage`) it carries `usage: null`, as OpenAI's chunks then do.
 */
export function openAiChunk(
  model: string,
  id: string,
  delta: string,
  finish: string | null,
  usageField = false,
) {
  const chunk = {
    id,
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model,
    system_fingerprint: 'fp_ollama',
    choices: [
      {
        index: 0,
        delta: finish ? {} : { role: 'assistant', content: delta },
        finish_reason: finish,
      },
    ],
  };
  return usageField ? { ...chunk, usage: null } : chunk;
}

/**
 * The extra chunk of `stream_options.include_usage`: sent after the one with `finish_reason` and
 * before `data: [DONE]`, with no choices and the usage of the whole request.
 */
export function openAiUsageChunk(
  model: string,
  id: string,
  promptTokens: number,
  completionTokens: number,
) {
  return {
    id,
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model,
    system_fingerprint: 'fp_ollama',
    choices: [],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
  };
}

/** OpenAI-style error body, as Ollama's compatibility layer sends it. */
export function openAiError(message: string, status: number) {
  return {
    error: {
      message,
      type: status >= 500 ? 'api_error' : 'invalid_request_error',
      param: null,
      code: null,
    },
  };
}
