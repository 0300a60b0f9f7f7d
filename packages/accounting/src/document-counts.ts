import type { Redis } from 'ioredis';
import { accountingKeys, HOUR_MS, hourOf } from './accounting-keys.ts';
import type { HourDocumentsRow } from './night-shift-report.ts';

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

  constructor(options: { redis: Redis }) {
    this.#redis = options.redis;
  }

  /** Counts `count` finished documents of `model` in the hour of `at` (default now). */
  async add(model: string, count = 1, at = Date.now()): Promise<void> {
    const key = accountingKeys.documentsPerHour(hourOf(at));
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
