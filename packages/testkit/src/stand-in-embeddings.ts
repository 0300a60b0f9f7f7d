/**
 * Embeddings as the model-server stand-ins serve them: Ollama's `POST /api/embed` and the
 * OpenAI-dialect `POST /v1/embeddings`. A vector is {@link standInEmbeddingDimensions} floats
 * derived from a hash of the text, of unit length and exact in float32, so a text embeds to the
 * same numbers in either dialect and either encoding (JSON floats or the base64 the `openai`
 * client asks for by default).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { countWords } from './ollama-stand-in-payloads.ts';

/** Length of every stand-in embedding vector. */
export const standInEmbeddingDimensions = 8;

/**
 * The embedding the stand-ins answer for `text`: deterministic, unit length, every component a
 * float32 value. The model does not enter into it; tests compare vectors against this.
 */
export function standInEmbedding(text: string): number[] {
  const digest = createHash('sha256').update(text).digest();
  const raw = Array.from(
    { length: standInEmbeddingDimensions },
    (_, i) => digest.readInt32LE(i * 4) / 2 ** 31,
  );
  const length = Math.hypot(...raw) || 1;
  // Rounded to float32 so the base64 encoding (float32 bytes) carries exactly the same numbers.
  return raw.map((value) => Math.fround(value / length));
}

/** The two request dialects. */
export type EmbedDialect = 'ollama' | 'openai';

/** An embedding request reduced to what the stand-ins need. */
export interface EmbedCall {
  dialect: EmbedDialect;
  model: string;
  inputs: string[];
  /** Ollama's `truncate` (default true): false makes an input over the context an error. */
  truncate: boolean;
  /** Ollama's `options.num_ctx`, if sent. */
  numCtx: number | undefined;
  /** Ollama's `keep_alive` as sent (parse with `parseKeepAliveMs`). */
  keepAlive: string | number | undefined;
  /** OpenAI's `encoding_format`; the `openai` client sends `base64` unless told otherwise. */
  encodingFormat: 'float' | 'base64';
}

const embedInput = z.union([z.string(), z.array(z.string())]);
const asList = (input: string | string[]) => (typeof input === 'string' ? [input] : input);

/** Each dialect's body, turned into what the stand-ins need (all but the dialect itself). */
const embedRequests = {
  ollama: z
    .looseObject({
      model: z.string().min(1, 'model is required'),
      // Ollama answers a request without input with no embeddings (it only loads the model).
      input: embedInput.optional(),
      truncate: z.boolean().optional(),
      keep_alive: z.union([z.string(), z.number()]).optional(),
      options: z.looseObject({ num_ctx: z.number().int().positive().optional() }).optional(),
    })
    .transform((data) => ({
      model: data.model,
      inputs: asList(data.input ?? []),
      truncate: data.truncate ?? true,
      numCtx: data.options?.num_ctx,
      keepAlive: data.keep_alive,
      encodingFormat: 'float' as const,
    })),
  openai: z
    .looseObject({
      model: z.string().min(1, 'model is required'),
      input: embedInput,
      encoding_format: z.enum(['float', 'base64']).optional(),
    })
    .transform((data) => ({
      model: data.model,
      inputs: asList(data.input),
      truncate: true,
      numCtx: undefined,
      keepAlive: undefined,
      encodingFormat: data.encoding_format ?? 'float',
    })),
} satisfies Record<EmbedDialect, z.ZodType<Omit<EmbedCall, 'dialect'>, unknown>>;

/** Either the call, or the 400 message to answer with. */
export type ParsedEmbedCall = { ok: true; call: EmbedCall } | { ok: false; message: string };

/** The 400 message for a body that failed its schema. */
function invalidMessage(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue?.path.join('.') ?? '';
  if (where === 'model') return 'model is required';
  return `invalid ${where || 'request'}: ${issue?.message ?? 'invalid'}`;
}

/** Checks an embedding request body of `dialect`. */
export function parseEmbedCall(dialect: EmbedDialect, body: unknown): ParsedEmbedCall {
  const parsed = embedRequests[dialect].safeParse(body);
  if (!parsed.success) return { ok: false, message: invalidMessage(parsed.error) };
  return { ok: true, call: { dialect, ...parsed.data } };
}

/** Inputs cut to the context, and what they cost. */
export interface FittedInputs {
  /** Each input, cut to its first `contextTokens` words when longer. */
  texts: string[];
  /** Tokens (words) of the texts as cut. */
  promptTokens: number;
  /** Words of the first input longer than the context, if any was. */
  firstOverLimit: number | undefined;
}

/** Cuts `inputs` to `contextTokens` words each (no limit when undefined). */
export function fitToContext(inputs: string[], contextTokens: number | undefined): FittedInputs {
  let promptTokens = 0;
  let firstOverLimit: number | undefined;
  const texts = inputs.map((text) => {
    const words = countWords(text);
    if (contextTokens === undefined || words <= contextTokens) {
      promptTokens += words;
      return text;
    }
    firstOverLimit ??= words;
    promptTokens += contextTokens;
    return (text.match(/\S+/g) ?? []).slice(0, contextTokens).join(' ');
  });
  return { texts, promptTokens, firstOverLimit };
}

/** Real Ollama's message when `truncate: false` and an input is longer than the context. */
export const embedInputTooLongMessage = 'the input length exceeds the context length';

/** Body of Ollama's `/api/embed` answer. */
export function ollamaEmbedBody(
  model: string,
  texts: string[],
  promptTokens: number,
  elapsedNs: number,
) {
  return {
    model,
    embeddings: texts.map(standInEmbedding),
    total_duration: elapsedNs,
    load_duration: 0,
    prompt_eval_count: promptTokens,
  };
}

/** Body of an OpenAI `/v1/embeddings` answer, vectors as floats or base64 float32 bytes. */
export function openAiEmbeddingsBody(
  model: string,
  texts: string[],
  promptTokens: number,
  encodingFormat: 'float' | 'base64',
) {
  return {
    object: 'list',
    data: texts.map((text, index) => {
      const vector = standInEmbedding(text);
      return {
        object: 'embedding',
        index,
        embedding:
          encodingFormat === 'base64'
            ? Buffer.from(new Float32Array(vector).buffer).toString('base64')
            : vector,
      };
    }),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}

/** The answer body of `call` in its dialect. */
export function embedBody(call: EmbedCall, fitted: FittedInputs, elapsedNs: number) {
  return call.dialect === 'ollama'
    ? ollamaEmbedBody(call.model, fitted.texts, fitted.promptTokens, elapsedNs)
    : openAiEmbeddingsBody(call.model, fitted.texts, fitted.promptTokens, call.encodingFormat);
}
