import { randomUUID } from 'node:crypto';
import { luaScript } from '@nightshift/redis';
import type { Redis } from 'ioredis';
import { hourOf, accountingKeys as keys } from './accounting-keys.ts';
import type { CallLedger } from './call-ledger.ts';
import type { EnergySource } from './energy-sources.ts';

const sampleScript = luaScript(new URL('./lua/energy-sample.lua', import.meta.url));
const leaseScript = luaScript(new URL('./lua/sampler-lease.lua', import.meta.url));

/** Options of {@link EnergySampler}. */
export interface EnergySamplerOptions {
  /** A client connection (commands only). */
  redis: Redis;
  /** The upstream's id whose GPUs `source` reads. */
  server: string;
  source: EnergySource;
  /** Charges the energy of calls waiting for a sample past their end. */
  ledger: CallLedger;
  /**
   * Time between samples, ms. Default 1000; at least 250, so a source is probed at most four
   * times a second (nvidia-smi costs ~20 ms a run).
   */
  periodMs?: number;
  /** Samples kept per server, ms back. Default 15 min: past the longest call. */
  keepMs?: number;
  /** Life of the hourly buckets, s. Default 8 days. */
  hourTtlS?: number;
  /** Hears a failed read or write (the next period tries again). */
  onError?: (error: unknown) => void;
  /** Hears each sample this replica booked: the idle part and the whole of its interval, J. */
  onSample?: (sample: { at: number; idleJ: number; spentJ: number }) => void;
}

/**
 * Samples one server's energy counter into Redis about once a second, where the counter is
 * readable (nvidia-smi on the GPU's host, a DCGM exporter anywhere). A lease in Redis lets
 * one replica sample each server; the others stand by and take over when it lapses. Each
 * sample books the server's idle energy since the previous one and settles the energy of the
 * calls that ended before it.
 *
 * @example
 * const sampler = new EnergySampler({ redis, server: upstream.id, source: dcgmEnergySource({ url }), ledger });
 * sampler.start();
 * await sampler.stop();
 */
export class EnergySampler {
  readonly #o: EnergySamplerOptions;
  readonly #periodMs: number;
  readonly #holder = randomUUID();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> = Promise.resolve();
  #stopped = false;

  constructor(options: EnergySamplerOptions) {
    this.#o = options;
    this.#periodMs = Math.max(250, options.periodMs ?? 1000);
  }

  /** Samples every period until {@link stop}. */
  start(): void {
    this.#stopped = false;
    const tick = () => {
      if (this.#stopped) return;
      this.#running = this.sampleOnce()
        .then((sample) => {
          if (sample) this.#o.onSample?.(sample);
        })
        .catch((error: unknown) => this.#o.onError?.(error))
        .finally(() => {
          if (!this.#stopped) this.#timer = setTimeout(tick, this.#periodMs);
        });
    };
    tick();
  }

  /** Stops sampling and waits for a sample in progress (2 s at most: Redis may be gone). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#running,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 2_000);
      }),
    ]);
    clearTimeout(timer);
  }

  /**
   * Takes one sample if this replica holds the server's lease. Answers the sample's time and
   * the idle joules it booked, or null (no lease, or no reading).
   */
  async sampleOnce(): Promise<{ at: number; idleJ: number; spentJ: number } | null> {
    const { redis, server } = this.#o;
    const leased = await leaseScript.run(
      redis,
      [keys.samplerLease(server)],
      [this.#holder, this.#periodMs * 3],
    );
    if (leased !== 1) return null;
    const raw = await this.#o.source.read();
    if (raw === null) return null;
    // Stamped when the counter was read, on the clock the ledger stamps its calls with.
    const readAt = this.#o.ledger.clock.now();
    const answer = (await sampleScript.run(
      redis,
      [
        keys.energy(server),
        keys.ends(server),
        keys.starts(server),
        keys.hour(hourOf(Date.now())),
        keys.swept(server),
      ],
      [
        raw.toFixed(3),
        server,
        this.#o.keepMs ?? 15 * 60_000,
        4096,
        this.#o.hourTtlS ?? 8 * 24 * 3600,
        readAt === undefined ? '' : readAt.toFixed(3),
      ],
    )) as [string, string, string] | null;
    if (!answer) return null;
    await this.#o.ledger.settlePending(server, { endedBy: Number(answer[0]) });
    return { at: Number(answer[0]), idleJ: Number(answer[1]), spentJ: Number(answer[2]) };
  }

  /** Gives the lease back so another replica samples at once (on shutdown). */
  async release(): Promise<void> {
    const key = keys.samplerLease(this.#o.server);
    if ((await this.#o.redis.get(key)) === this.#holder) await this.#o.redis.del(key);
  }
}
