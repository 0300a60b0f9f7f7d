import type { Redis } from 'ioredis';
import { accountingKeys, HOUR_MS, hourOf } from './accounting-keys.ts';
import type { HourDocumentsRow } from './night-shift-report.ts';

/** Hash-field increments gathered and written later (packages/metrics `WriteBehind` fits). */
export interface HashIncrements {
  add(key: string, field: string, by: number): Promise<void>;
  expire(key: string, seconds: number): void;
}

/** An hour's documents are kept as long as its GPU time (the report looks back 7 days). */
const retentionS = 8 * 24 * 3600;

/**
 * Documents that finished per model and UTC hour: the denominator of "Wh per 1,000 documents"
 * beside the hours' energy.
 *
 * @example
 * await new DocumentCounts({ redis }).add('qwen3:32b');
 */
export class DocumentCounts {
  readonly #redis: Redis;
  readonly #writes: HashIncrements | undefined;

  /**
   * `writes`: where the counts gather before they are written (packages/metrics `WriteBehind`:
   * a cold lane finishing many documents a second then costs one transaction a second); by
   * default each count is written at once.
   */
  constructor(options: { redis: Redis; writes?: HashIncrements }) {
    this.#redis = options.redis;
    this.#writes = options.writes;
  }

  /** Counts `count` finished documents of `model` in the hour of `at` (default now). */
  async add(model: string, count = 1, at = Date.now()): Promise<void> {
    const key = accountingKeys.documentsPerHour(hourOf(at));
    if (this.#writes) {
      this.#writes.expire(key, retentionS);
      await this.#writes.add(key, model, count);
      return;
    }
    await this.#redis.multi().hincrby(key, model, count).expire(key, retentionS).exec();
  }

  /** Rows of the hours from the one holding `fromMs` to the one holding `toMs`. */
  async hours(fromMs: number, toMs: number): Promise<HourDocumentsRow[]> {
    const hours: number[] = [];
    for (let h = hourOf(fromMs); h <= hourOf(toMs); h += HOUR_MS) hours.push(h);
    const pipeline = this.#redis.pipeline();
    for (const h of hours) pipeline.hgetall(accountingKeys.documentsPerHour(h));
    const answers = (await pipeline.exec()) ?? [];
    return hours.flatMap((hour, i) =>
      Object.entries((answers[i]?.[1] ?? {}) as Record<string, string>).map(([model, n]) => ({
        hour,
        model,
        documents: Number(n),
      })),
    );
  }
}
