import type { CallAccounting } from '@nightshift/accounting';
import {
  type BreakerOptions,
  CircuitBreaker,
  fallbackKinds,
  isConnectFailure,
} from '@nightshift/llm';
import {
  type AttemptLease,
  attemptLease,
  type CallAccount,
  type InteractiveLeases,
} from './attempt-lease.ts';
import { CallEnd } from './call-end.ts';
import { GatewayError } from './gateway-error.ts';
import { callerFault, upstreamFailureKind, upstreamMessage } from './gateway-failures.ts';
import { isLocalFault, localFault } from './local-faults.ts';
import { withoutAddresses } from './public-errors.ts';
import { checkContext, type OutputAsk } from './request-limits.ts';
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
  /** The most output tokens the caller asked for, checked against the context window too. */
  outputAsk?: OutputAsk | undefined;
  /** The caller's signal: it aborts when the caller goes away. */
  signal: AbortSignal;
  /**
   * Starts the call for `model` on `upstream`. A streamed answer yields its pieces as they
   * arrive; a whole answer yields one piece. `signal` stops the upstream call.
   */
  start(upstream: Upstream, model: string, signal: AbortSignal): AsyncIterable<T>;
  /** The usage a piece carries (the last piece of a stream, or the whole answer), if any. */
  usage(piece: T): TokenUsage | undefined;
  /**
   * What a full GPU (out-of-memory, busy) on the model asked for means. `fallback` (chat, hot
   * summaries): its other upstreams, then its fallback models. `wait` (the cold lane): its
   * other upstreams only; then the call fails `unavailable` with the capacity failure as its
   * cause, and the work waits for room on its own model instead of running on a smaller one.
   * Default `fallback`.
   */
  onCapacity?: 'fallback' | 'wait';
  /**
   * The one upstream the asked model runs on (the cold lane's place on a server, taken from
   * its per-server capacity); fallback models still go to any of theirs. Default: any.
   */
  pinned?: Upstream;
  /**
   * What the call's GPU time and energy are charged to besides its tenant (with
   * {@link GatewayOptions.accounting}): its lane, and a batch document's ids. Default: `hot`.
   */
  account?: CallAccount;
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
  /**
   * Aborts when the call ends unfinished: its caller went away or its total deadline passed.
   * A writer blocked on a caller that stopped reading listens to it to let the socket go too.
   */
  ended: AbortSignal;
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

/** Options of {@link Gateway}. */
export interface GatewayOptions {
  pool: UpstreamPool;
  /** Fallback models per requested model (`fallbacksFrom(config)`). */
  fallbacks: ReadonlyMap<string, readonly string[]>;
  /** One breaker per model with these settings (defaults of `CircuitBreaker`). */
  breaker?: BreakerOptions;
  /** Held for the length of each call, on the upstream it runs on; see {@link InteractiveLeases}. */
  leases?: InteractiveLeases;
  /**
   * Told of each attempt's interval on the upstream that runs it (packages/accounting
   * `CallLedger`: GPU time and energy per call), beside the call and never before it.
   */
  accounting?: CallAccounting;
  /**
   * The longest a call may run from its start to its last piece, ms
   * (`NIGHTSHIFT_GATEWAY_TOTAL_TIMEOUT_S`): past it the upstream call is stopped, its slot and
   * lease freed, and the caller gets a timeout (504, or the dialect's error line mid-stream).
   * Unset: none (the read timeout still ends a silent upstream).
   */
  totalTimeoutMs?: number;
  /** True while the GPUs' memory is over `NIGHTSHIFT_VRAM_MAX_USED_PCT` (read from the fleet). */
  vramOverThreshold?: () => Promise<boolean>;
  /** Hears every finished call (usage ledger, metrics); not awaited. */
  onFinished?: (record: GatewayCallRecord) => unknown;
  /** Hears every attempt the gateway moved past (another upstream or a fallback model). */
  onFallback?: (attempt: { model: string; upstream: string; reason: string }) => unknown;
  /**
   * Hears every out-of-memory or busy answer, whichever caller's: the GPU is full (a worker's
   * cold lane steps back at once).
   */
  onCapacityError?: (failure: { model: string; upstream: string; kind: 'oom' | 'busy' }) => unknown;
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
    // A model no server has, with a fallback one has, goes to the fallback (as a 404 would).
    const served = own.length > 0 ? own : (servers.find((s) => s.length > 0) ?? []);
    if (served.length === 0)
      throw new GatewayError(
        'model_not_found',
        `The model '${call.model}' does not exist on this gateway.`,
        {
          param: 'model',
        },
      );
    checkContext(call, served);
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

    const ending = new CallEnd(call.signal, this.#o.totalTimeoutMs);
    try {
      return await this.#attempts(call, chain, servers, ending);
    } catch (err) {
      ending.dispose();
      throw err;
    }
  }

  /** Tries the model and its fallbacks, each on its upstreams, until one sends a first piece. */
  async #attempts<T>(
    call: GatewayCall<T>,
    chain: string[],
    servers: Upstream[][],
    ending: CallEnd,
  ): Promise<GatewayAnswer<T>> {
    const { pool } = this.#o;
    const started = performance.now();
    const reasons: string[] = [];
    let retryAfterMs: number | undefined;
    let everyFailureMissing = true;
    let everyFailureTimeout = true;
    let capacityFailure: unknown;
    for (const [index, model] of chain.entries()) {
      // The cold lane waits for room on its own model rather than run on a smaller one.
      if (index > 0 && capacityFailure !== undefined && call.onCapacity === 'wait')
        throw new GatewayError('unavailable', `The GPU serving '${call.model}' is full.`, {
          cause: capacityFailure,
          retryAfterS: 2,
        });
      if (index === 0 && (servers[0] ?? []).length === 0) reasons.push(`${model}: not served`);
      const breaker = this.#breaker(model);
      // A cold call admitted on one server runs its own model there (its fallbacks anywhere).
      const candidates =
        index === 0 && call.pinned
          ? (servers[0] ?? []).filter((u) => u === call.pinned)
          : (servers[index] ?? []);
      for (const upstream of pool.ranked(candidates)) {
        if (!breaker.tryAcquire()) {
          const retryAt = breaker.snapshot().retryAt;
          if (retryAt !== undefined)
            retryAfterMs = Math.min(retryAfterMs ?? Infinity, retryAt - Date.now());
          reasons.push(`${model}: circuit open`);
          everyFailureMissing = false;
          everyFailureTimeout = false;
          break;
        }
        const release = pool.acquire(upstream);
        const controller = new AbortController();
        const signal = ending.attemptSignal(controller);
        const lease = attemptLease(
          { leases: this.#o.leases, accounting: this.#o.accounting },
          { tenant: call.tenant, account: call.account, model, upstream, signal },
        );
        const iterator = call.start(upstream, model, signal)[Symbol.asyncIterator]();
        let first: IteratorResult<T>;
        try {
          // Raced: a client library stuck past its abort must not hold the call, slot or lease.
          first = await ending.race(iterator.next());
        } catch (err) {
          controller.abort();
          release();
          if (ending.signal.aborted) {
            breaker.released();
            await lease.end();
            throw ending.error();
          }
          await lease.end();
          // The gateway's own failure (a body too deep to serialize, a bug): no upstream's.
          if (isLocalFault(err)) {
            breaker.released();
            throw localFault(err);
          }
          const fault = callerFault(err);
          if (fault) {
            breaker.released();
            throw fault;
          }
          const kind = upstreamFailureKind(err);
          const capacity = kind === 'oom' || kind === 'busy';
          if (capacity) {
            void this.#o.onCapacityError?.({ model, upstream: upstream.id, kind });
            if (index === 0) capacityFailure = err;
          }
          if (!fallbackKinds.has(kind) || (capacity && call.onCapacity === 'wait' && index === 0))
            // A full GPU is no fault of the model when the caller waits for room on it.
            breaker.released();
          else breaker.failed();
          // Only a server that never took the call is down; any answer (a 500 included) is a
          // failure of this model, for its breaker and its fallbacks.
          if (isConnectFailure(err)) pool.markDown(upstream);
          if (kind !== 'missing') everyFailureMissing = false;
          if (kind !== 'timeout') everyFailureTimeout = false;
          // Callers read model names only; the upstream's id (host:port) goes to onFallback.
          reasons.push(`${model}: ${withoutAddresses(upstreamMessage(err), [upstream])}`);
          void this.#o.onFallback?.({ model, upstream: upstream.id, reason: kind });
          continue;
        }
        breaker.succeeded();
        pool.markUp(upstream);
        const pieces = this.#pieces(call, {
          model,
          upstream,
          iterator,
          first,
          controller,
          release,
          lease,
          started,
          ending,
        });
        return { model, degraded: index > 0, upstream, pieces, ended: ending.signal };
      }
    }
    if (capacityFailure !== undefined && call.onCapacity === 'wait')
      throw new GatewayError('unavailable', `The GPU serving '${call.model}' is full.`, {
        cause: capacityFailure,
        retryAfterS: 2,
      });
    if (everyFailureMissing && reasons.length > 0)
      throw new GatewayError(
        'model_not_found',
        `The model '${call.model}' is not available on its servers.`,
        {
          param: 'model',
        },
      );
    if (everyFailureTimeout && reasons.length > 0)
      throw new GatewayError(
        'timeout',
        `The model server went silent past the read timeout (${reasons.join('; ')}).`,
      );
    throw new GatewayError(
      'unavailable',
      `No model could answer (${reasons.join('; ') || 'every upstream busy'}).`,
      {
        retryAfterS: Math.max(1, Math.ceil((retryAfterMs ?? 5_000) / 1000)),
      },
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
      lease: AttemptLease;
      started: number;
      ending: CallEnd;
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
    // However the reader behaves (stalled on a full socket, gone without a word), the call's
    // end stops the upstream and frees its slot; the lease ends on that same signal.
    const stop = () => {
      run.controller.abort();
      run.release();
    };
    run.ending.signal.addEventListener('abort', stop, { once: true });
    try {
      let next = run.first;
      while (!next.done) {
        yield take(next.value);
        next = await run.ending.race(run.iterator.next());
      }
      // openai's stream ends quietly when aborted: that is no finished answer.
      if (run.ending.signal.aborted) throw run.ending.error();
      outcome = 'ok';
    } catch (err) {
      outcome = call.signal.aborted ? 'aborted' : 'error';
      throw err;
    } finally {
      run.ending.signal.removeEventListener('abort', stop);
      run.ending.dispose();
      // A caller that stopped reading (disconnect) leaves the upstream call running: stop it.
      if (outcome !== 'ok') {
        run.controller.abort(new Error('caller went away'));
        // Not awaited: an upstream iterator stuck past its abort would hold this end too.
        run.iterator.return?.().catch(() => {});
      }
      run.release();
      // A finished answer does not wait for its lease's end (a Redis round trip) to send its
      // last bytes, nor sends that write ahead of them; a failed one ends its lease before the
      // failure is passed on.
      if (outcome === 'ok') void run.lease.end(true);
      else await run.lease.end();
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
