/**
 * What the gateway checks of each body before it calls an upstream: the fields it reads, with
 * their types and ranges. Every other field passes through to an OpenAI-compatible server as
 * written; an Ollama body is cut down to its per-request fields (`ollamaUpstreamBody` in
 * packages/gateway: no `keep_alive`, only sampling and stopping `options`).
 */
import {
  embeddingInputCount,
  isBase64Image,
  maxChoices,
  maxEmbeddingInputs,
  promptCount,
} from '@nightshift/gateway';
import { z } from 'zod';

/**
 * A caller's `priority` (vLLM's scheduling field: lower runs first) is dropped: on a server that
 * schedules by priority a tenant would otherwise run ahead of every other tenant and of the chat
 * reserve; the cold lane alone sets one (its lowest).
 */
const droppedPriority = z
  .unknown()
  .transform(() => undefined)
  .optional();

/** An embeddings `input` holds at most OpenAI's 2,048 inputs (a string or token array is one). */
const withinEmbeddingInputs = <T extends z.ZodType>(input: T) =>
  input.refine((value) => embeddingInputCount(value) <= maxEmbeddingInputs, {
    message: `at most ${maxEmbeddingInputs} inputs per request; send more as an OpenAI batch`,
  });

const openAiMessage = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: z.unknown().optional(),
});

/** `POST /openai/v1/chat/completions`. */
export const openAiChatBody = z.looseObject({
  model: z.string().min(1),
  messages: z.array(openAiMessage).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  n: z.number().int().min(1).max(maxChoices).nullish(),
  priority: droppedPriority,
});

/** `POST /openai/v1/completions` (legacy text completions). */
export const openAiCompletionsBody = z
  .looseObject({
    model: z.string().min(1),
    prompt: z.union([
      z.string(),
      z.array(z.string()).min(1),
      z.array(z.number().int()).min(1),
      z.array(z.array(z.number().int()).min(1)).min(1),
    ]),
    stream: z.boolean().nullish(),
    stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
    max_tokens: z.number().int().min(1).nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    n: z.number().int().min(1).max(maxChoices).nullish(),
    best_of: z.number().int().min(1).max(maxChoices).nullish(),
    priority: droppedPriority,
  })
  .refine(
    (body) => promptCount(body.prompt) * Math.max(body.n ?? 1, body.best_of ?? 1) <= maxChoices,
    {
      path: ['prompt'],
      message: `prompts × n (or best_of) makes at most ${maxChoices} generations per request; send more as an OpenAI batch`,
    },
  );

/** `POST /openai/v1/embeddings`. */
export const openAiEmbeddingsBody = z.looseObject({
  model: z.string().min(1),
  input: withinEmbeddingInputs(
    z.union([
      z.string(),
      z.array(z.string()).min(1),
      z.array(z.number().int()).min(1),
      z.array(z.array(z.number().int()).min(1)).min(1),
    ]),
  ),
  encoding_format: z.enum(['float', 'base64']).optional(),
  priority: droppedPriority,
});

/**
 * An Ollama image: base64 data and nothing else. Ollama's Node client reads a string that names
 * a file, so a path must never get as far as a client.
 */
const ollamaImage = z.string().refine(isBase64Image, { message: 'an image must be base64 data' });

const ollamaMessage = z.looseObject({
  role: z.string().min(1),
  content: z.string().optional(),
  images: z.array(ollamaImage).optional(),
});

const ollamaOptions = z.looseObject({
  num_predict: z.number().int().optional(),
  num_ctx: z.number().int().min(1).optional(),
});

/** `POST /ollama/api/chat`. */
export const ollamaChatBody = z.looseObject({
  model: z.string().min(1),
  messages: z.array(ollamaMessage).default([]),
  stream: z.boolean().optional(),
  options: ollamaOptions.optional(),
});

/** `POST /ollama/api/generate`. */
export const ollamaGenerateBody = z.looseObject({
  model: z.string().min(1),
  prompt: z.string().optional(),
  system: z.string().optional(),
  images: z.array(ollamaImage).optional(),
  stream: z.boolean().optional(),
  options: ollamaOptions.optional(),
});

/** `POST /ollama/api/embed`. */
export const ollamaEmbedBody = z.looseObject({
  model: z.string().min(1),
  input: withinEmbeddingInputs(z.union([z.string(), z.array(z.string()).min(1)])),
});
