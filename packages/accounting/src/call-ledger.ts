import { randomUUID } from 'node:crypto';
import { luaScript, RedisClock } from '@nightshift/redis';
import type { Redis } from 'ioredis';
import { hourOf, accountingKeys as keys } from './accounting-keys.ts';
import type { AccountedCall, CallAccounting, CallAttribution } from './call-attribution.ts';
import type { BookedCharge, CallCharge, CallLedgerOptions } from './call-ledger-options.ts';

const callStartedScript = luaScript(new URL('./lua/call-started.lua', import.meta.url));
const callEndedScript = luaScript(new URL('./lua/call-ended.lua', import.meta.url));
const settleEnergyScript = luaScript(new URL('./lua/settle-energy.lua', import.meta.url));
const callsAliveScript = luaScript(new URL('./lua/calls-alive.lua', import.meta.url));

/** Pending calls settled per round trip. */
const settleChunk = 256;

/**
 * The ledger of the model servers' GPU time: each call registers its interval on its server
 * (on the Redis clock, one clock for every replica, as this process reads it when the call
 * starts and ends: `RedisClock`, so a write that waits on Redis or on this process's loop does
 * not stretch the interval), and at its end gets its share of the server's busy time by a
 * sweep over the calls that overlapped it, and its share of the energy the server's counter
 * recorded over those sub-intervals. Implements the gateway's {@link CallAccounting}.
 *
 * @example
 * const ledger = new CallLedger({ redis });
 * const call = ledger.begin({ tenant: 'acme', lane: 'cold', model, server: upstream.id, batchId, documentId });
 * // … the model call …
 * call.end();
 */
export class CallLedger implements CallAccounting {
  readonly #redis: Redis;
  readonly #maxCallMs: number;
  readonly #heartbeatMs: number;
  readonly #staleMs: number;
  /** The calls this ledger started and has not ended: server → id → start (local ms). */
  readonly #open = new Map<string, Map<string, number>>();
  #heartbeat: NodeJS.Timeout | undefined;
  readonly #energyFreshMs: number;
  readonly #pendingForceMs: number;
  readonly #hourTtlS: number;
  readonly #totalsTtlS: number;
  readonly #onError: (error: unknown) => void;
  readonly #onCharged: ((charge: BookedCharge) => unknown) | undefined;
  readonly #inFlight = new Set<Promise<unknown>>();
  /** This ledger's reading of the Redis clock, which its calls are stamped on (and samples too). */
  readonly clock: RedisClock;

  constructor(options: CallLedgerOptions) {
    this.#redis = options.redis;
    this.clock = new RedisClock({ redis: options.redis });
    // Measured ahead of the first call, whose moments would otherwise be Redis' own now.
    void this.clock.synced().catch(() => {});
    this.#maxCallMs = options.maxCallMs ?? 610_000;
    this.#heartbeatMs = options.heartbeatMs ?? 5_000;
    this.#staleMs = options.staleMs ?? 3 * this.#heartbeatMs;
    this.#energyFreshMs = options.energyFreshMs ?? 10_000;
    this.#pendingForceMs = options.pendingForceMs ?? 60_000;
    this.#hourTtlS = options.hourTtlS ?? 8 * 24 * 3600;
    this.#totalsTtlS = options.totalsTtlS ?? 30 * 24 * 3600;
    this.#onError = options.onError ?? (() => {});
    this.#onCharged = options.onCharged;
  }

  /**
   * Starts accounting a call without delaying it: the registration goes out on the next turn
   * of the event loop (after the upstream request), and `end()` follows it in the background.
   */
  begin(call: CallAttribution): AccountedCall {
    // Both moments are stamped on this process's reading of the Redis clock, so whatever their
    // writes then wait for (this loop, Redis) leaves the interval as it was. The start is
    // stamped (and written) after a timer, once the upstream request has gone out (undici
    // writes it in the loop's check phase, after an immediate); the end when the caller says,
    // its write after a timer too, once the caller's last bytes have gone.
    const registered = this.#track(
      afterTimer().then(() => this.#started(call, { seenAt: this.clock.now() })),
    );
    let ended = false;
    return {
      end: () => {
        if (ended) return;
        ended = true;
        const endedAt = this.clock.now();
        // The batch is known here: no read of the record before the end script.
        this.#track(
          Promise.all([registered, afterTimer()]).then(async ([id]) => {
            const charge = id
              ? await this.#ended(call.server, id, {
                  seenAt: endedAt,
                  batchId: call.batchId ?? null,
                })
              : null;
            if (charge)
              this.#book({
                tenant: call.tenant,
                lane: call.lane,
                model: call.model,
                server: call.server,
                gpuSeconds: charge.gpuSeconds,
                joules: charge.energy === 'known' ? charge.joules : null,
              });
          }),
        );
      },
    };
  }

  /**
   * Registers a call on its server now (the Redis clock), or at `at` (epoch ms, not later than
   * now: to replay a call); answers its id.
   */
  callStarted(call: CallAttribution, at?: number): Promise<string> {
    return this.#started(call, { at });
  }

  /**
   * Ends a call now (or at `at`, epoch ms on the Redis clock, for a call closed at its bound)
   * and charges it. `batchId`: the call's batch when the caller knows it (`null`: none);
   * otherwise it is read from the call's record first. Answers null for a call unknown or
   * already ended.
   */
  callEnded(
    server: string,
    id: string,
    at?: number,
    batchId?: string | null,
  ): Promise<CallCharge | null> {
    return this.#ended(server, id, { at, batchId });
  }

  /** Resolves once this ledger reads the Redis clock itself (its first calls wait for nothing). */
  clockSynced(): Promise<void> {
    return this.clock.synced();
  }

  async #started(call: CallAttribution, time: CallTime): Promise<string> {
    const id = randomUUID();
    await callStartedScript.run(
      this.#redis,
      [
        keys.calls(call.server),
        keys.starts(call.server),
        keys.running(call.server),
        keys.alive(call.server),
        keys.swept(call.server),
      ],
      [
        id,
        call.tenant,
        call.lane,
        call.model,
        call.batchId ?? '',
        call.documentId ?? '',
        call.slots && call.slots > 0 ? call.slots : 0,
        timeArg(time.at),
        timeArg(time.seenAt),
      ],
    );
    this.#opened(call.server, id);
    return id;
  }

  async #ended(
    server: string,
    id: string,
    time: CallTime & { batchId?: string | null | undefined },
  ): Promise<CallCharge | null> {
    this.#closed(server, id);
    let batch = time.batchId;
    if (batch === undefined) {
      const raw = await this.#redis.hget(keys.calls(server), id);
      if (!raw) return null;
      batch = (JSON.parse(raw) as { b?: string }).b ?? null;
    }
    const batchKeyId = batch ?? '';
    const answer = (await callEndedScript.run(
      this.#redis,
      [
        keys.calls(server),
        keys.starts(server),
        keys.running(server),
        keys.energy(server),
        keys.pending(server),
        keys.batch(batchKeyId),
        keys.documents(batchKeyId),
        keys.hour(hourOf(time.at ?? time.seenAt ?? Date.now())),
        keys.ends(server),
        keys.alive(server),
        keys.swept(server),
      ],
      [
        id,
        server,
        timeArg(time.at),
        this.#hourTtlS,
        this.#totalsTtlS,
        this.#maxCallMs,
        this.#energyFreshMs,
        this.#pendingForceMs,
        this.#staleMs,
        timeArg(time.seenAt),
      ],
    )) as [string, string, CallCharge['energy'], number, number] | null;
    if (!answer) return null;
    const [gpu, joules, energy, stale, overdue] = answer;
    if (stale > 0) this.#track(this.closeStale(server));
    if (overdue > 0) this.#track(this.settlePending(server, { overdueOnly: true }));
    return { gpuSeconds: Number(gpu), joules: joules === '' ? null : Number(joules), energy };
  }

  /**
   * Closes the calls of `server` that no process runs any more: at their last sign of life
   * when their process stopped saying they run (it died), at their bound when it never ended
   * them. Calls this ledger still runs are left alone.
   */
  async closeStale(server: string): Promise<number> {
    const [seconds, micros] = await this.#redis.time();
    const now = Number(seconds) * 1000 + Number(micros) / 1000;
    const before = (ms: number) => `(${(now - ms).toFixed(3)}`;
    const [silent, overlong] = await Promise.all([
      this.#redis.zrangebyscore(keys.alive(server), '-inf', before(this.#staleMs), 'WITHSCORES'),
      this.#redis.zrangebyscore(
        keys.running(server),
        '-inf',
        before(this.#maxCallMs),
        'WITHSCORES',
      ),
    ]);
    const closeAt = new Map<string, number>();
    const mine = this.#open.get(server);
    for (let i = 0; i < silent.length; i += 2)
      if (!mine?.has(silent[i] as string)) closeAt.set(silent[i] as string, Number(silent[i + 1]));
    for (let i = 0; i < overlong.length; i += 2) {
      const bound = Number(overlong[i + 1]) + this.#maxCallMs;
      const id = overlong[i] as string;
      closeAt.set(id, Math.min(closeAt.get(id) ?? bound, bound));
    }
    let closed = 0;
    for (const [id, at] of closeAt) if (await this.callEnded(server, id, at)) closed++;
    return closed;
  }

  /**
   * Charges the energy of the server's ended calls that the samples now cover (the sampler
   * calls it after each sample, with `endedBy` its time). `overdueOnly`: only those waiting
   * past `pendingForceMs`, extrapolated at the last power (their sampler is gone). Answers how
   * many were charged.
   */
  async settlePending(
    server: string,
    options: { overdueOnly?: boolean; endedBy?: number } = {},
  ): Promise<number> {
    const force = options.overdueOnly === true;
    const upTo = force
      ? `(${(Date.now() - this.#pendingForceMs).toFixed(3)}`
      : options.endedBy !== undefined
        ? options.endedBy.toFixed(3)
        : '+inf';
    const pending = await this.#redis.zrangebyscore(keys.pending(server), '-inf', upTo);
    let charged = 0;
    for (let from = 0; from < pending.length; from += settleChunk)
      charged += await this.#settle(server, pending.slice(from, from + settleChunk), force);
    return charged;
  }

  /**
   * One read of the calls' records, then their settlements sent together: each needs its
   * record's batch and hour as keys, so they cannot be one script.
   */
  async #settle(server: string, ids: string[], force: boolean): Promise<number> {
    const raws = await this.#redis.hmget(keys.calls(server), ...ids);
    const settled = await Promise.all(
      ids.map(async (id, index) => {
        const raw = raws[index];
        const record = raw
          ? (JSON.parse(raw) as { b?: string; e?: string; t?: string; l?: string; m?: string })
          : {};
        const batchId = record.b ?? '';
        const joules = await settleEnergyScript.run(
          this.#redis,
          [
            keys.calls(server),
            keys.pending(server),
            keys.energy(server),
            keys.batch(batchId),
            keys.documents(batchId),
            keys.hour(hourOf(Number(record.e ?? Date.now()))),
          ],
          [id, server, force ? '1' : '0', this.#hourTtlS, this.#totalsTtlS],
        );
        if (joules === null) return false;
        if (record.t && record.m)
          this.#book({
            tenant: record.t,
            lane: record.l === 'cold' ? 'cold' : 'hot',
            model: record.m,
            server,
            gpuSeconds: 0,
            joules: Number(joules),
          });
        return true;
      }),
    );
    return settled.filter(Boolean).length;
  }

  #opened(server: string, id: string): void {
    const calls = this.#open.get(server) ?? new Map<string, number>();
    this.#open.set(server, calls);
    calls.set(id, Date.now());
    this.#heartbeat ??= setInterval(() => this.#beat(), this.#heartbeatMs).unref();
  }

  #closed(server: string, id: string): void {
    const calls = this.#open.get(server);
    if (!calls?.delete(id)) return;
    if (calls.size === 0) this.#open.delete(server);
    if (this.#open.size === 0) {
      clearInterval(this.#heartbeat);
      this.#heartbeat = undefined;
    }
  }

  /** Tells Redis the open calls still run; one left open past its bound is let go. */
  #beat(): void {
    const oldest = Date.now() - this.#maxCallMs;
    for (const [server, calls] of this.#open) {
      for (const [id, started] of calls) if (started < oldest) this.#closed(server, id);
      if (calls.size > 0)
        this.#track(callsAliveScript.run(this.#redis, [keys.alive(server)], [...calls.keys()]));
    }
  }

  #book(charge: BookedCharge): void {
    if (!this.#onCharged) return;
    try {
      const heard = this.#onCharged(charge);
      if (heard instanceof Promise) this.#track(heard);
    } catch (error) {
      this.#onError(error);
    }
  }

  /**
   * Settles once every background write started so far has (tests, shutdown), or after
   * `withinMs` at most (a shutdown with Redis gone must not wait on its retries).
   */
  async settled(withinMs = Number.POSITIVE_INFINITY): Promise<void> {
    const drained = (async () => {
      while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    })();
    if (!Number.isFinite(withinMs)) return drained;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      drained,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, withinMs);
      }),
    ]);
    clearTimeout(timer);
  }

  #track<T>(work: Promise<T>): Promise<T | undefined> {
    const tracked = work.catch((error: unknown) => {
      this.#onError(error);
      return undefined;
    });
    this.#inFlight.add(tracked);
    void tracked.finally(() => this.#inFlight.delete(tracked));
    return tracked;
  }
}

/** Resolves on the next timer phase of the event loop. */
function afterTimer(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve));
}

/**
 * When a call started or ended, on the Redis clock (epoch ms). `at`: exactly then (a replay, or
 * a call closed at its last sign of life or its bound). `seenAt`: when this process saw it, moved
 * to the server's last swept end if a sweep already charged past it. Neither: Redis' now.
 */
interface CallTime {
  at?: number | undefined;
  seenAt?: number | undefined;
}

const timeArg = (ms: number | undefined) => (ms === undefined ? '' : ms.toFixed(3));
