import { anthropicMessagesBodySchema } from '@nightshift/core';
import { nestsDeeperThan, tooDeepMessage } from '@nightshift/gateway';

/** The endpoint a Message Batch's requests call: the `endpoint` of their native documents. */
export const anthropicBatchEndpoint = '/v1/messages';
export type AnthropicBatchEndpoint = typeof anthropicBatchEndpoint;

/** One request of `POST /v1/messages/batches`, its envelope already checked for shape. */
export interface MessageBatchRequest {
  custom_id: string;
  params: Record<string, unknown>;
}

/** Why a Message Batch cannot be created: Anthropic's 400 `invalid_request_error`. */
export class InvalidMessageBatchError extends Error {
  override readonly name = 'InvalidMessageBatchError';
}

/** Options of {@link checkMessageBatchRequests}. */
export interface MessageBatchInputLimits {
  /** Requests one batch may hold (`NIGHTSHIFT_OPENAI_BATCH_MAX_LINES`, shared with OpenAI's). */
  maxRequests: number;
  /**
   * The media URL check of one request's params (`NIGHTSHIFT_MEDIA_URLS`): the problem it
   * names ends the request `errored`, unsent. Requests are checked one after another.
   */
  checkParams?: (params: Record<string, unknown>, param: string) => Promise<string | null>;
}

/** What {@link checkMessageBatchRequests} found: the batch's model and the requests it ends at once. */
export interface MessageBatchInputCheck {
  model: string;
  /** Why a request cannot run, by its index: it ends `errored` without ever being queued. */
  invalid: Map<number, string>;
}

/**
 * Checks a Message Batch's requests. What Anthropic refuses outright refuses the batch
 * ({@link InvalidMessageBatchError}, its message naming the field, `requests.3.params.model`):
 * a duplicate `custom_id`, a request nested past the nesting limit, params without a `model`,
 * asking to stream, or naming another model than the first request (a batch runs on one
 * model's servers: the cold lane admits, places and yields per server). Params that fail the
 * Messages schema (the interactive surface's: base64 images only, known block types, ranges)
 * or the media URL policy make that one request `errored`, as Anthropic validates params apart
 * from the batch; such a request is never queued. An unknown model is found when it runs.
 *
 * @example
 * const { model, invalid } = await checkMessageBatchRequests(body.requests, { maxRequests: 50_000 });
 */
export async function checkMessageBatchRequests(
  requests: readonly MessageBatchRequest[],
  limits: MessageBatchInputLimits,
): Promise<MessageBatchInputCheck> {
  if (requests.length === 0) throw new InvalidMessageBatchError('requests: must not be empty.');
  if (requests.length > limits.maxRequests)
    throw new InvalidMessageBatchError(
      `requests: a batch holds at most ${limits.maxRequests} requests.`,
    );
  const seen = new Set<string>();
  const invalid = new Map<number, string>();
  let model: string | null = null;
  for (const [i, request] of requests.entries()) {
    const at = `requests.${i}`;
    if (seen.has(request.custom_id))
      throw new InvalidMessageBatchError(
        `${at}.custom_id: '${request.custom_id}' is used by an earlier request; each custom_id must be unique within the batch.`,
      );
    seen.add(request.custom_id);
    // Before anything walks the params: serializing them for the model server would overflow
    // the stack, and the worker would blame the upstream for it.
    if (nestsDeeperThan(request)) throw new InvalidMessageBatchError(`${at}: ${tooDeepMessage}.`);
    const { params } = request;
    if (typeof params.model !== 'string' || params.model.length === 0 || params.model.length > 256)
      throw new InvalidMessageBatchError(`${at}.params.model: a model name is required.`);
    if (params.stream === true)
      throw new InvalidMessageBatchError(
        `${at}.params.stream: requests of a Message Batch cannot stream.`,
      );
    model ??= params.model;
    if (params.model !== model)
      throw new InvalidMessageBatchError(
        `${at}.params.model: every request of a batch must use one model ('${model}'), not '${params.model}': a batch runs on the servers of one model.`,
      );
    const problem = paramsProblem(params) ?? (await limits.checkParams?.(params, 'params.'));
    if (problem) invalid.set(i, problem);
  }
  return { model: model as string, invalid };
}

/** The first problem the Messages schema finds in `params` (`params.messages.0.content: …`). */
export function paramsProblem(params: Record<string, unknown>): string | null {
  const parsed = anthropicMessagesBodySchema.safeParse(params);
  if (parsed.success) return null;
  const [issue] = parsed.error.issues;
  const path = ['params', ...(issue?.path ?? [])].join('.');
  return `${path}: ${issue?.message ?? 'invalid'}`;
}

/** Where one request's line sits in the stored requests file. */
export interface StoredRequestLine {
  customId: string;
  offset: number;
  length: number;
}

/**
 * The requests as the lines of a JSONL file, in the shape of an OpenAI batch line
 * (`{custom_id, method, url, body}`, `body` being the params), so the worker reads them as it
 * reads OpenAI's; `placed` gets each line's offset and length as it is written.
 */
export async function* requestFileChunks(
  requests: readonly MessageBatchRequest[],
  placed: StoredRequestLine[],
): AsyncGenerator<Uint8Array> {
  let offset = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for (const request of requests) {
    const line = Buffer.from(
      JSON.stringify({
        custom_id: request.custom_id,
        method: 'POST',
        url: anthropicBatchEndpoint,
        body: request.params,
      }),
    );
    placed.push({ customId: request.custom_id, offset, length: line.length });
    pending.push(line, newline);
    pendingBytes += line.length + 1;
    offset += line.length + 1;
    if (pendingBytes >= 256 * 1024) {
      yield Buffer.concat(pending);
      pending = [];
      pendingBytes = 0;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending);
}

const newline = Buffer.from('\n');
