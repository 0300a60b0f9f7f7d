/**
 * What the Ollama stand-in remembers of each request, for tests to assert on.
 */
import type { ServerResponse } from 'node:http';
import { contentText } from './ollama-stand-in-payloads.ts';

/** One request as the stand-in received it. */
export interface StandInRequest {
  method: string;
  /** URL path, e.g. `/api/chat` or `/v1/chat/completions`. */
  path: string;
  model?: string;
  /** Chat messages (content flattened to text). */
  messages?: Array<{ role: string; content: string }>;
  /** /api/generate prompt. */
  prompt?: string;
  /** /api/generate system prompt. */
  system?: string;
  /** Ollama `options` (for /v1: `num_predict` from `max_tokens`, plus `temperature`). */
  options?: Record<string, unknown>;
  keep_alive?: string | number;
  stream?: boolean;
  /** The parsed JSON body as sent. */
  body: unknown;
  /** HTTP status it was answered with (set once the answer started). */
  status?: number;
  /** Epoch ms of arrival. */
  receivedAt: number;
  /** Epoch ms at which the answer was fully sent (absent while in flight). */
  finishedAt?: number;
}

/**
 * One request as received. The fields read from the body are worked out when a test first reads
 * them, not per request: a benchmark sends tens of thousands of calls and reads none of them,
 * and the stand-in's own cost is part of what it measures.
 */
export class RecordedRequest implements StandInRequest {
  status?: number;
  finishedAt?: number;
  readonly receivedAt = Date.now();
  #messages?: Array<{ role: string; content: string }>;

  constructor(
    readonly method: string,
    readonly path: string,
    readonly body: unknown,
  ) {}

  get model(): string | undefined {
    const model = this.#field('model');
    return typeof model === 'string' ? model : undefined;
  }

  get messages(): Array<{ role: string; content: string }> | undefined {
    const messages = this.#field('messages');
    if (!Array.isArray(messages)) return undefined;
    this.#messages ??= messages
      .map(record)
      .map((m) => ({ role: String(m.role), content: contentText(m.content) }));
    return this.#messages;
  }

  get prompt(): string | undefined {
    const prompt = this.#field('prompt');
    return typeof prompt === 'string' ? prompt : undefined;
  }

  get system(): string | undefined {
    const system = this.#field('system');
    return typeof system === 'string' ? system : undefined;
  }

  get options(): Record<string, unknown> | undefined {
    if (this.path.startsWith('/v1/')) {
      const numPredict =
        numberOr(this.#field('max_completion_tokens')) ?? numberOr(this.#field('max_tokens'));
      const temperature = this.#field('temperature');
      return {
        ...(numPredict !== undefined ? { num_predict: numPredict } : {}),
        ...(temperature !== undefined ? { temperature } : {}),
      };
    }
    const options = this.#field('options');
    return options === undefined ? undefined : record(options);
  }

  get keep_alive(): string | number | undefined {
    const keepAlive = this.#field('keep_alive');
    return typeof keepAlive === 'string' || typeof keepAlive === 'number' ? keepAlive : undefined;
  }

  get stream(): boolean | undefined {
    const stream = this.#field('stream');
    return typeof stream === 'boolean' ? stream : undefined;
  }

  #field(name: string): unknown {
    return record(this.body)[name];
  }
}

const answersEntry = Symbol('stand-in request');
/** A response that knows which recorded request it answers. */
type LinkedResponse = ServerResponse & { [answersEntry]?: RecordedRequest };

/** Notes on a response which recorded request it answers (its status, when it finished). */
export function linkEntry(res: ServerResponse, entry: RecordedRequest): void {
  (res as LinkedResponse)[answersEntry] = entry;
}

/**
 * The recorded request a response answers. A property rather than a `WeakMap`: a weak entry per
 * response makes every garbage collection of a busy stand-in slower.
 */
export function entryOf(res: ServerResponse): RecordedRequest | undefined {
  return (res as LinkedResponse)[answersEntry];
}

/** `value` as an object to read fields from (anything else reads as empty). */
export function record(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** `value` when it is a finite number. */
export function numberOr(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
