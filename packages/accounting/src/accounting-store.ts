import type { Redis } from 'ioredis';
import { HOUR_MS, hourOf, accountingKeys as keys } from './accounting-keys.ts';

/** GPU time and energy charged to a batch or a document. */
export interface UsageTotals {
  /** Its calls' shares of their servers' busy time, s. */
  gpuSeconds: number;
  /**
   * Its calls' shares of their servers' measured energy, Wh; null when none of its calls ran on
   * a server with an energy source (unknown, never 0). Calls on servers without a source add
   * nothing here (see `callsWithoutEnergy`).
   */
  energyWh: number | null;
  /** Model calls charged (each attempt on a server counts: map, reduce, retries). */
  calls: number;
  /** Calls whose server had no energy source. */
  callsWithoutEnergy: number;
}

/** One hour's GPU time and energy for one tenant, lane, model and server. */
export interface HourUsageRow {
  /** Start of the UTC hour (epoch ms) in which the calls ended. */
  hour: number;
  tenant: string;
  lane: 'hot' | 'cold';
  model: string;
  server: string;
  gpuSeconds: number;
  /** Null when none of these calls' energy is known. */
  energyWh: number | null;
  calls: number;
}

/** One hour of one server. */
export interface ServerHourRow {
  hour: number;
  server: string;
  /** Its busy time charged to calls that ended in this hour, s. */
  busySeconds: number;
  /** Energy it spent with no call running, Wh; null without an energy source. */
  idleEnergyWh: number | null;
  /** Energy its counter advanced by in this hour (idle included), Wh; null without a source. */
  energyWh: number | null;
}

const wh = (joules: number | undefined) => (joules === undefined ? null : joules / 3600);

/**
 * Reads what {@link CallLedger} and {@link EnergySampler} charged: per batch, per document and
 * per UTC hour (8 days kept).
 *
 * @example
 * const store = new AccountingStore({ redis });
 * const { gpuSeconds, energyWh } = await store.batchTotals(batchId);
 */
export class AccountingStore {
  readonly #redis: Redis;

  constructor(options: { redis: Redis }) {
    this.#redis = options.redis;
  }

  /** A batch's totals (zeros and null energy when nothing was charged). */
  async batchTotals(batchId: string): Promise<UsageTotals> {
    const h = await this.#redis.hgetall(keys.batch(batchId));
    return {
      gpuSeconds: Number(h.g ?? 0),
      energyWh: wh(h.j === undefined ? undefined : Number(h.j)),
      calls: Number(h.c ?? 0),
      callsWithoutEnergy: Number(h.n ?? 0),
    };
  }

  /** Totals of these documents of a batch (each present, zeros when nothing was charged). */
  async documentTotals(
    batchId: string,
    documentIds: readonly string[],
  ): Promise<Map<string, UsageTotals>> {
    const out = new Map<string, UsageTotals>();
    if (documentIds.length === 0) return out;
    const fields = documentIds.flatMap((id) => [`${id}|g`, `${id}|j`, `${id}|c`, `${id}|n`]);
    const values = await this.#redis.hmget(keys.documents(batchId), ...fields);
    documentIds.forEach((id, i) => {
      const [g, j, c, n] = values.slice(i * 4, i * 4 + 4);
      out.set(id, {
        gpuSeconds: Number(g ?? 0),
        energyWh: j === null || j === undefined ? null : Number(j) / 3600,
        calls: Number(c ?? 0),
        callsWithoutEnergy: Number(n ?? 0),
      });
    });
    return out;
  }

  /**
   * The hourly rows from the hour holding `fromHourMs` to the one holding `toHourMs`, both
   * included: per tenant, lane, model and server, and per server.
   */
  async hours(
    fromHourMs: number,
    toHourMs: number,
  ): Promise<{ calls: HourUsageRow[]; servers: ServerHourRow[] }> {
    const hours: number[] = [];
    for (let h = hourOf(fromHourMs); h <= hourOf(toHourMs); h += HOUR_MS) hours.push(h);
    const pipeline = this.#redis.pipeline();
    for (const h of hours) pipeline.hgetall(keys.hour(h));
    const answers = (await pipeline.exec()) ?? [];
    const calls: HourUsageRow[] = [];
    const servers: ServerHourRow[] = [];
    hours.forEach((hour, i) => {
      const h = (answers[i]?.[1] ?? {}) as Record<string, string>;
      const rows = new Map<string, HourUsageRow>();
      const perServer = new Map<string, ServerHourRow>();
      const serverRow = (server: string) => {
        let row = perServer.get(server);
        if (!row) {
          row = { hour, server, busySeconds: 0, idleEnergyWh: null, energyWh: null };
          perServer.set(server, row);
        }
        return row;
      };
      for (const [field, value] of Object.entries(h)) {
        const kind = field.slice(0, 1);
        const rest = field.slice(2);
        if (kind === 'b') serverRow(rest).busySeconds = Number(value);
        else if (kind === 'i') serverRow(rest).idleEnergyWh = Number(value) / 3600;
        else if (kind === 'e') serverRow(rest).energyWh = Number(value) / 3600;
        else {
          let row = rows.get(rest);
          if (!row) {
            const [tenant, lane, model, server] = JSON.parse(rest) as [
              string,
              'hot' | 'cold',
              string,
              string,
            ];
            row = { hour, tenant, lane, model, server, gpuSeconds: 0, energyWh: null, calls: 0 };
            rows.set(rest, row);
          }
          if (kind === 'g') row.gpuSeconds = Number(value);
          else if (kind === 'j') row.energyWh = Number(value) / 3600;
          else if (kind === 'c') row.calls = Number(value);
        }
      }
      calls.push(...rows.values());
      servers.push(...perServer.values());
    });
    return { calls, servers };
  }
}
