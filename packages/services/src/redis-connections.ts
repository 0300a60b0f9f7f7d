import { createRedis, type RedisOutageLog } from '@nightshift/redis';
import type { Redis } from 'ioredis';

/** Raised when a connection is asked for after {@link RedisConnections.disconnect}. */
export class ServicesClosedError extends Error {
  override name = 'ServicesClosedError';
}

/**
 * The Redis connections of one process, each opened only when first asked for, so a process
 * holds exactly the connections its parts use. All are named `nightshift-<role>` (CLIENT LIST).
 *
 * @example
 * const connections = new RedisConnections(config.REDIS_URL, { pipelinedCommands: true });
 * const store = new BatchStore({ redis: connections.commands, resultTtlMs });
 */
export class RedisConnections {
  readonly #url: string;
  readonly #pipelinedCommands: boolean;
  readonly #outages: RedisOutageLog | undefined;
  readonly #opened: Redis[] = [];
  #client: Redis | undefined;
  #blocking: Redis | undefined;
  #commands: Redis | undefined;
  #closed = false;

  /**
   * @param url `REDIS_URL`.
   * @param options.pipelinedCommands open a third, auto-pipelined connection for
   *   {@link commands} (default false: `commands` is the client connection).
   * @param options.outages hears every connection's errors and reconnections, so an outage is
   *   a few log lines rather than ioredis' unhandled-error stack per reconnection attempt.
   */
  constructor(
    url: string,
    options: { pipelinedCommands?: boolean; outages?: RedisOutageLog } = {},
  ) {
    this.#url = url;
    this.#pipelinedCommands = options.pipelinedCommands ?? false;
    this.#outages = options.outages;
  }

  /** Commands only, never blocking: gives up a command rather than hang while Redis is away. */
  get client(): Redis {
    this.#refuseIfClosed();
    this.#client ??= this.#open(() => createRedis(this.#url, 'client'));
    return this.#client;
  }

  /** For BullMQ workers and event streams, which block and must never give up a command. */
  get blocking(): Redis {
    this.#refuseIfClosed();
    this.#blocking ??= this.#open(() => createRedis(this.#url, 'worker'));
    return this.#blocking;
  }

  /**
   * For the per-document calls of many concurrent jobs (start, record, fair-share clock). With
   * `pipelinedCommands` they go out together, one write per event-loop turn instead of one
   * each; BullMQ never gets this connection, as it is not tested with auto-pipelining.
   */
  get commands(): Redis {
    if (!this.#pipelinedCommands) return this.client;
    this.#refuseIfClosed();
    this.#commands ??= this.#open(() =>
      createRedis(this.#url, 'client', { enableAutoPipelining: true }),
    );
    return this.#commands;
  }

  /** How many connections were opened so far (tests, diagnostics). */
  get openedCount(): number {
    return this.#opened.length;
  }

  /** Drops every connection opened; none can be asked for afterwards. Idempotent. */
  disconnect(): void {
    this.#closed = true;
    for (const connection of this.#opened.splice(0)) connection.disconnect();
  }

  /** A part built after close would hold a connection that is gone, or one nothing closes. */
  #refuseIfClosed(): void {
    if (this.#closed) throw new ServicesClosedError('the services were closed');
  }

  #open(create: () => Redis): Redis {
    const connection = create();
    this.#outages?.watch(connection);
    this.#opened.push(connection);
    return connection;
  }
}
