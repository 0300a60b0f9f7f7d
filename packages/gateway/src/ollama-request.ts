/**
 * What of an Ollama body a tenant may send to the shared model server. Ollama's API mixes
 * per-request settings (sampling, stops, output length) with server management: `keep_alive`
 * loads, pins or unloads a model for everyone, and `options` such as `num_ctx`, `num_gpu` or
 * `use_mlock` reload it with another memory layout. The gateway forwards only the first kind,
 * and answers a load or unload request (no prompt) itself.
 */
import { GatewayError } from './gateway-error.ts';
import type { Upstream } from './upstreams.ts';

type Json = Record<string, unknown>;

/** The Ollama `options` a caller may set: sampling and stopping, nothing that reloads a model. */
export const perRequestOllamaOptions: ReadonlySet<string> = new Set([
  'temperature',
  'top_p',
  'top_k',
  'min_p',
  'typical_p',
  'tfs_z',
  'seed',
  'stop',
  'num_predict',
  'repeat_penalty',
  'repeat_last_n',
  'presence_penalty',
  'frequency_penalty',
  'penalize_newline',
  'mirostat',
  'mirostat_tau',
  'mirostat_eta',
]);

// Top-level fields per endpoint. Absent on purpose: `keep_alive` (server management) and
// anything Ollama adds later, until someone decides it is a per-request setting.
const chatFields = ['messages', 'tools', 'format', 'think', 'logprobs', 'top_logprobs'];
const generateFields = [
  'prompt',
  'suffix',
  'system',
  'template',
  'raw',
  'images',
  'context',
  'format',
  'think',
  'logprobs',
  'top_logprobs',
];
const embedFields = ['input', 'truncate', 'dimensions'];
const messageFields = ['role', 'content', 'images', 'tool_calls', 'tool_name', 'thinking'];

const base64Shape = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * True when `image` is base64 data (the standard alphabet, padded). Ollama's images are base64;
 * anything else is refused rather than guessed at, since Ollama's own Node client reads a string
 * that names an existing file.
 */
export function isBase64Image(image: unknown): image is string {
  return typeof image === 'string' && image.length % 4 === 0 && base64Shape.test(image);
}

function pick(from: Json, fields: readonly string[]): Json {
  const out: Json = {};
  for (const field of fields) if (from[field] !== undefined) out[field] = from[field];
  return out;
}

function checkImages(images: unknown, path: string): void {
  if (images === undefined) return;
  if (!Array.isArray(images))
    throw new GatewayError('invalid_request', `${path}: expected an array of base64 images`, {
      param: path,
    });
  images.forEach((image, i) => {
    if (!isBase64Image(image))
      throw new GatewayError('invalid_request', `${path}.${i}: an image must be base64 data`, {
        param: `${path}.${i}`,
      });
  });
}

/**
 * Throws {@link GatewayError} `invalid_request` when an image of a chat's messages or of a
 * generate body is not base64 data. The surfaces' schemas check this first; this holds for any
 * other way a body reaches the gateway.
 */
export function checkOllamaImages(shape: 'chat' | 'generate', body: Json): void {
  if (shape === 'generate') {
    checkImages(body.images, 'images');
    return;
  }
  if (!Array.isArray(body.messages)) return;
  body.messages.forEach((message, i) => {
    if (typeof message === 'object' && message !== null)
      checkImages((message as Json).images, `messages.${i}.images`);
  });
}

/**
 * The `options` forwarded for a call on `upstream`: the per-request ones only, with
 * `num_predict` always set and within the context window the gateway checks against (Ollama's
 * default, -1, generates until the context is full and then shifts it and goes on).
 */
export function perRequestOptions(options: unknown, upstream: Upstream): Json | undefined {
  const given = typeof options === 'object' && options !== null ? (options as Json) : {};
  const out: Json = {};
  for (const [name, value] of Object.entries(given))
    if (perRequestOllamaOptions.has(name) && value !== undefined) out[name] = value;
  const limit = upstream.contextTokens;
  if (limit !== undefined) {
    const asked = typeof out.num_predict === 'number' ? out.num_predict : 0;
    out.num_predict = asked > 0 ? Math.min(asked, limit) : limit;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The body sent to an Ollama upstream for a `chat`, `generate` or `embed` call: the allowed
 * fields of the caller's body, the model the gateway chose, and `stream` as given. Images are
 * checked again here, whatever route the body came by.
 *
 * @example
 * client.chat(ollamaUpstreamBody('chat', body, model, upstream) as ChatRequest);
 */
export function ollamaUpstreamBody(
  shape: 'chat' | 'generate' | 'embed',
  body: Json,
  model: string,
  upstream: Upstream,
): Json {
  const fields =
    shape === 'chat' ? chatFields : shape === 'generate' ? generateFields : embedFields;
  const out: Json = { model, ...pick(body, fields) };
  if (shape !== 'embed') checkOllamaImages(shape, body);
  if (shape === 'chat' && Array.isArray(body.messages))
    out.messages = body.messages.map((message) =>
      pick(typeof message === 'object' && message !== null ? (message as Json) : {}, messageFields),
    );
  const options = perRequestOptions(body.options, upstream);
  if (options) out.options = shape === 'embed' ? omitOutputCap(options) : options;
  if (typeof body.stream === 'boolean') out.stream = body.stream;
  return out;
}

const omitOutputCap = ({ num_predict: _, ...rest }: Json): Json => rest;

/**
 * What Ollama answers a request that only loads (or, with `keep_alive: 0`, unloads) a model: a
 * chat with no messages, a generate with no prompt, an embed of the empty string. The gateway
 * answers it itself, as a load, and the model server never sees it. Undefined for any other
 * request.
 */
export function ollamaLoadAnswer(
  shape: 'chat' | 'generate' | 'embed',
  body: Json,
): Json | undefined {
  const model = body.model;
  const createdAt = new Date().toISOString();
  if (shape === 'chat' && (!Array.isArray(body.messages) || body.messages.length === 0))
    return {
      model,
      created_at: createdAt,
      message: { role: 'assistant', content: '' },
      done_reason: 'load',
      done: true,
    };
  if (shape === 'generate' && (body.prompt === undefined || body.prompt === ''))
    return { model, created_at: createdAt, response: '', done: true, done_reason: 'load' };
  if (shape === 'embed' && body.input === '') return { model, embeddings: [] };
  return undefined;
}
