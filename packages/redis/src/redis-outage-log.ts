import type { Redis } from 'ioredis';

/** The logger methods the outage log uses (pino fits). */
export interface OutageLogger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

/** Options of {@link RedisOutageLog}. */
export interface RedisOutageLogOptions {
  /** Where the lines go; none: the errors are still handled, and nothing is printed. */
  logger?: OutageLogger;
  /** While Redis stays away, one reminder line per this many ms (default one a minute). */
  repeatMs?: number;
  /**
   * After Redis is back, connection errors this soon are the echoes of attempts made while it
   * was away (other connections, BullMQ's own duplicates), not a new outage. Default 10 s.
   */
  settleMs?: number;
  /** Clock, injectable for tests. */
  now?: () => number;
}

/** Errors that mean "Redis cannot be reached", as ioredis and BullMQ raise them. */
const unreachable =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|Connection is closed|Stream isn't writeable|max retries per request|connect ETIMEDOUT/i;

/** Whether `error` says Redis is unreachable (rather than a command failing on a live Redis). */
export function isRedisUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return unreachable.test(`${typeof code === 'string' ? code : ''} ${error.message}`);
}

/**
 * One process's account of Redis outages. Without it, each ioredis connection with no `error`
 * listener prints `[ioredis] Unhandled error event` and a stack at every reconnection attempt,
 * and every BullMQ queue, flow producer and event stream without one prints the error again
 * through `console.error`: dozens of multi-line, non-JSON traces a second. With it, an outage
 * is one structured warning (`redis unreachable`), a reminder at most once per `repeatMs`
 * while it lasts, and one `redis reconnected` line with how long it took. Connections report
 * through {@link watch}; BullMQ objects through {@link listener}, which logs their other
 * errors as one JSON line each.
 *
 * @example
 * const outages = new RedisOutageLog({ logger });
 * outages.watch(createRedis(url, 'client'));
 * queue.on('error', outages.listener('hot queue'));
 */
export class RedisOutageLog {
  readonly #logger: OutageLogger | undefined;
  readonly #repeatMs: number;
  readonly #settleMs: number;
  readonly #now: () => number;
  /** When the current outage began; undefined while Redis is reachable. */
  #downSince: number | undefined;
  #lastLineAt = 0;
  /** Errors since the last line about this outage. */
  #unlogged = 0;
  #upSince = Number.NEGATIVE_INFINITY;

  constructor(options: RedisOutageLogOptions = {}) {
    this.#logger = options.logger;
    this.#repeatMs = options.repeatMs ?? 60_000;
    this.#settleMs = options.settleMs ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Whether this process currently finds Redis unreachable. */
  get down(): boolean {
    return this.#downSince !== undefined;
  }

  /** Hears a connection's errors and reconnections; its errors are never printed raw. */
  watch(connection: Redis): Redis {
    connection.on('error', (error: Error) => this.#failed(error, connection));
    connection.on('ready', () => this.#reachable());
    return connection;
  }

  /**
   * An `error` listener for a BullMQ object (queue, flow producer, queue events, worker):
   * unreachable-Redis errors join the outage's lines; any other error is logged as one line,
   * `<source> error`.
   */
  listener(source: string): (error: Error) => void {
    return (error) => {
      if (isRedisUnreachable(error)) this.#failed(error);
      else this.#logger?.error({ source, err: error.message }, `${source} error`);
    };
  }

  #failed(error: Error, connection?: Redis): void {
    if (!isRedisUnreachable(error)) {
      this.#logger?.error(
        { err: error.message, connection: connection?.options.connectionName },
        'redis error',
      );
      return;
    }
    const now = this.#now();
    if (this.#downSince === undefined) {
      // An attempt started before Redis came back: not a new outage.
      if (now - this.#upSince < this.#settleMs) return;
      this.#downSince = now;
      this.#lastLineAt = now;
      this.#unlogged = 0;
      this.#logger?.warn(
        { err: error.message, code: (error as { code?: string }).code },
        'redis unreachable',
      );
      return;
    }
    this.#unlogged++;
    if (now - this.#lastLineAt >= this.#repeatMs) {
      this.#logger?.warn(
        { err: error.message, downMs: now - this.#downSince, errors: this.#unlogged },
        'redis still unreachable',
      );
      this.#lastLineAt = now;
      this.#unlogged = 0;
    }
  }

  #reachable(): void {
    if (this.#downSince === undefined) return;
    const now = this.#now();
    this.#upSince = now;
    this.#logger?.info(
      { downMs: now - this.#downSince, errors: this.#unlogged },
      'redis reconnected',
    );
    this.#downSince = undefined;
  }
}
