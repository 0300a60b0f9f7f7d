import {
  type BreakerOptions,
  CircuitBreaker,
  estimateTokens,
  fallbackKinds,
} from '@nightshift/llm';
import { GatewayError } from './gateway-error.ts';
import { callerFault, upstreamFailureKind, upstreamMessage } from './gateway-failures.ts';
import type { UpstreamPool } from './upstream-pool.ts';
import type { Upstream } from './upstreams.ts';

/** Tokens one call used, as the upstream counted them. */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/** One interactive call, in the dialect of the surface it came in on (`T`: one answer piece). */
export interface GatewayCall<T> {
  /** `openai.chat`, `ollama.generate`, …: for metrics and logs. */
  operation: string;
  tenant: string;
  /** The model the caller asked for. */
  model: string;
  /** The prompt's text, for the context-window check. */
  promptText: string;
  /** The caller's signal: it aborts when the caller goes away. */
  signal: AbortSignal;
  /**
   * Starts the call for `model` on `upstream`. A streamed answer yields its pieces as they
   * arrive; a whole answer yields one piece. `signal` stops the upstream call.
   */
  start(upstream: Upstream, model: string, signal: AbortSignal): AsyncIterable<T>;
  /** The usage a piece carries (the last piece of a stream, or the whole answer), if any. */
  usage(piece: T): TokenUsage | undefined;
}

/** A call that started: the model that answers, and its pieces (the first one already here). */
export interface GatewayAnswer<T> {
  /** The model that answers: the one asked for, or a fallback. */
  model: string;
  /** True when a fallback answers. */
  degraded: boolean;
  upstream: Upstream;
  /**
   * The answer's pieces. Reading to the end finishes the call; stopping early (`return()`)
   * aborts the upstream call and frees its slot at once.
   */
  pieces: AsyncIterable<T>;
}

/** What one finished call did, for usage and metrics. */
export interface GatewayCallRecord extends TokenUsage {
  operation: string;
  tenant: string;
  requestedModel: string;
  model: string;
  upstream: string;
  outcome: 'ok' | 'error' | 'aborted';
  /** From the call's start to its first piece. */
  timeToFirstPieceMs: number;
  durationMs: number;
}

/** A lease on "interactive work is running", which keeps cold work off the GPUs meanwhile. */
export interface InteractiveLeases {
  begin(model: string): Promise<{ end(): Promise<void> }>;
}

/** Options of {@link Gateway}. */
export interface GatewayOptions {
  pool: UpstreamPool;
  /** Fallback models per requested model (`fallbacksFrom(config)`). */
  fallbacks: ReadonlyMap<string, readonly string[]>;
  /** One breaker per model with these settings (defaults of `CircuitBreaker`). */
  breaker?: BreakerOptions;
  /** Held for the length of each call; see {@link InteractiveLeases}. */
  leases?: InteractiveLeases;
  /** True while the GPUs' memory is over `NIGHTSHIFT_VRAM_MAX_USED_PCT` (read from the fleet). */
  vramOverThreshold?: () => Promise<boolean>;
  /** Hears every finished call (usage ledger, metrics); not awaited. */
  onFinished?: (record: GatewayCallRecord) => unknown;
  /** Hears every attempt the gateway moved past (another upstream or a fallback model). */
  onFallback?: (attempt: { model: string; upstream: string; reason: string }) => unknown;
}

/**
 * The interactive gateway: for each call, picks the model (the one asked for, then its
 * fallbacks while breakers are open or upstreams fail) and the upstream with the most free slots,
 * refuses what cannot run (unknown model, prompt beyond the context window, no upstream up, GPU
 * memory over the threshold with every slot busy), and hands the answer back piece by piece as
 * the upstream produces it. Nothing is buffered: a piece is passed on as it arrives.
 *
 * @example
 * const answer = await gateway.open({ operation: 'openai.chat', tenant, model, promptText, signal, start, usage });
 * for await (const piece of answer.pieces) write(piece);
 */
export class Gateway {
  readonly #o: GatewayOptions;
  readonly #breakers = new Map<string, CircuitBreaker>();

  constructor(options: GatewayOptions) {
    this.#o = options;
  }

  get pool(): UpstreamPool {
    return this.#o.pool;
  }

  /** Starts `call`; throws {@link GatewayError} when it cannot start anywhere. */
  async open<T>(call: GatewayCall<T>): Promise<GatewayAnswer<T>> {
    const { pool } = this.#o;
    const chain = [call.model, ...(this.#o.fallbacks.get(call.model) ?? [])];
    const servers = await Promise.all(chain.map((model) => pool.serving(model)));
    const own = servers[0] ?? [];
    if (own.length === 0 && pool.partlyBlind())
      throw new GatewayError('unavailable', `No model server for '${call.model}' is up.`, {
        retryAfterS: 5,
      });
    if (own.length === 0)
      throw new GatewayError(
        'model_not_found',
        `The model '${call.model}' does not exist on this gateway.`,
        {
          param: 'model',
        },
      );
    this.#checkContext(call, own);
    const everyServer = [...new Set(servers.flat())];
    if (pool.ranked(everyServer).length === 0)
      throw new GatewayError('unavailable', `No model server for '${call.model}' is up.`, {
        retryAfterS: 5,
      });
    if (pool.full(everyServer) && (await this.#o.vramOverThreshold?.()))
      throw new GatewayError(
        'unavailable',
        'GPU memory is over the threshold and every slot is busy.',
        {
          retryAfterS: 2,
        },
      );

    // Taken beside the upstream call, not before it: the cold lanes read it on their next
    // evaluation anyway, and a Redis round trip would otherwise come before every first token.
    const leasing = this.#o.leases?.begin(call.model).catch(() => undefined);
    const lease = { end: async () => (await leasing)?.end().catch(() => {}) };
    const started = performance.now();
    const reasons: string[] = [];
    let retryAfterMs: number | undefined;
    let everyFailureMissing = true;
    for (const [index, model] of chain.entries()) {
      const breaker = this.#breaker(model);
      for (const upstream of pool.ranked(servers[index] ?? [])) {
        if (!breaker.tryAcquire()) {
          const retryAt = breaker.snapshot().retryAt;
          if (retryAt !== undefined)
            retryAfterMs = Math.min(retryAfterMs ?? Infinity, retryAt - Date.now());
          reasons.push(`${model}: circuit open`);
          everyFailureMissing = false;
          break;
        }
        const release = pool.acquire(upstream);
        const controller = new AbortController();
        const signal = AbortSignal.any([call.signal, controller.signal]);
        const iterator = call.start(upstream, model, signal)[Symbol.asyncIterator]();
        let first: IteratorResult<T>;
        try {
          first = await iterator.next();
        } catch (err) {
          release();
          if (call.signal.aborted) {
            breaker.released();
            await lease.end();
            throw err;
          }
          const fault = callerFault(err);
          if (fault) {
            breaker.released();
            await lease.end();
            throw fault;
          }
          const kind = upstreamFailureKind(err);
          if (!fallbackKinds.has(kind)) breaker.released();
          else breaker.failed();
          if (kind === 'unavailable') pool.markDown(upstream);
          if (kind !== 'missing') everyFailureMissing = false;
          reasons.push(`${model}@${upstream.id}: ${upstreamMessage(err)}`);
          void this.#o.onFallback?.({ model, upstream: upstream.id, reason: kind });
          continue;
        }
        breaker.succeeded();
        const pieces = this.#pieces(call, {
          model,
          upstream,
          iterator,
          first,
          controller,
          release,
          lease,
          started,
        });
        return { model, degraded: index > 0, upstream, pieces };
      }
    }
    await lease.end();
    if (everyFailureMissing && reasons.length > 0)
      throw new GatewayError(
        'model_not_found',
        `The model '${call.model}' is not available on its servers.`,
        {
          param: 'model',
        },
      );
    throw new GatewayError(
      'unavailable',
      `No model could answer (${reasons.join('; ') || 'every upstream busy'}).`,
      {
        retryAfterS: Math.max(1, Math.ceil((retryAfterMs ?? 5_000) / 1000)),
      },
    );
  }

  #checkContext(call: GatewayCall<unknown>, servers: readonly Upstream[]): void {
    const limits = servers.flatMap((u) => (u.contextTokens === undefined ? [] : [u.contextTokens]));
    if (limits.length < servers.length || limits.length === 0) return;
    const limit = Math.max(...limits);
    const estimate = estimateTokens(call.promptText);
    if (estimate > limit)
      throw new GatewayError(
        'context_length_exceeded',
        `This model's maximum context length is ${limit} tokens; the prompt is about ${estimate} tokens. Shorten the messages.`,
        { param: 'messages' },
      );
  }

  #breaker(model: string): CircuitBreaker {
    let breaker = this.#breakers.get(model);
    if (!breaker) {
      breaker = new CircuitBreaker(this.#o.breaker);
      this.#breakers.set(model, breaker);
    }
    return breaker;
  }

  async *#pieces<T>(
    call: GatewayCall<T>,
    run: {
      model: string;
      upstream: Upstream;
      iterator: AsyncIterator<T>;
      first: IteratorResult<T>;
      controller: AbortController;
      release: () => void;
      lease: { end(): Promise<unknown> };
      started: number;
    },
  ): AsyncGenerator<T> {
    const firstAt = performance.now();
    const usage: TokenUsage = { promptTokens: 0, completionTokens: 0 };
    let outcome: GatewayCallRecord['outcome'] = 'aborted';
    const take = (piece: T) => {
      const counted = call.usage(piece);
      if (counted) Object.assign(usage, counted);
      return piece;
    };
    try {
      let next = run.first;
      while (!next.done) {
        yield take(next.value);
        next = await run.iterator.next();
      }
      outcome = 'ok';
    } catch (err) {
      outcome = call.signal.aborted ? 'aborted' : 'error';
      throw err;
    } finally {
      // A caller that stopped reading (disconnect) leaves the upstream call running: stop it.
      if (outcome !== 'ok') {
        run.controller.abort(new Error('caller went away'));
        await run.iterator.return?.().catch(() => {});
      }
      run.release();
      await run.lease.end();
      void this.#o.onFinished?.({
        operation: call.operation,
        tenant: call.tenant,
        requestedModel: call.model,
        model: run.model,
        upstream: run.upstream.id,
        outcome,
        ...usage,
        timeToFirstPieceMs: firstAt - run.started,
        durationMs: performance.now() - run.started,
      });
    }
  }
}
