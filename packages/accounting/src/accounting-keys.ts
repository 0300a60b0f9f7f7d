import { keyPrefix } from '@nightshift/core';

const base = `${keyPrefix}:acct`;

/** An hour in ms. */
export const HOUR_MS = 3_600_000;

/** The start (epoch ms) of the UTC hour that holds `ms`. */
export function hourOf(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

/**
 * The Redis keys of GPU accounting (one owner: this package). `server` is an upstream's id
 * (`ollama@gpu1:11434`).
 */
export const accountingKeys = {
  /** Hash: call id → its record (JSON: start, end, tenant, lane, model, batch, document, slots). */
  calls: (server: string) => `${base}:server:${server}:calls`,
  /** Sorted set: the server's calls by start (ms, the Redis clock), ended ones until pruned. */
  starts: (server: string) => `${base}:server:${server}:starts`,
  /** Sorted set: the server's ended calls by end (with `starts`, all the sweep reads). */
  ends: (server: string) => `${base}:server:${server}:ends`,
  /** Sorted set: the server's calls not yet ended, by start. */
  running: (server: string) => `${base}:server:${server}:running`,
  /**
   * Sorted set: the server's running calls by the last time their process said they still run
   * (the Redis clock): a call whose process died is closed at that time, not left running.
   */
  alive: (server: string) => `${base}:server:${server}:alive`,
  /**
   * String: the latest time a sweep of this server has charged up to, a call's end or an energy
   * sample's idle booking (ms, the Redis clock). A start or end a process saw earlier but wrote
   * later is moved up to it, so nothing already charged is overlapped afterwards.
   */
  swept: (server: string) => `${base}:server:${server}:swept`,
  /** Sorted set: energy counter samples, members `t:mJ:raw` (stored, monotone; read), scored by t. */
  energy: (server: string) => `${base}:server:${server}:energy`,
  /** Sorted set: ended calls whose energy waits for a sample past their end, by end. */
  pending: (server: string) => `${base}:server:${server}:pending`,
  /** String: the replica that samples this server's energy counter (a lease). */
  samplerLease: (server: string) => `${base}:server:${server}:sampler`,
  /** Hash: a batch's totals (`g` GPU s, `j` J, `c` calls, `n` calls of unknown energy). */
  batch: (batchId: string) => `${base}:batch:${batchId}`,
  /** Hash: a batch's totals per document (`<doc>|g`, `<doc>|j`, `<doc>|c`, `<doc>|n`). */
  documents: (batchId: string) => `${base}:batch:${batchId}:documents`,
  /**
   * Hash: one UTC hour (`hourMs` its start): `g|k`, `j|k`, `c|k`, `n|k` with k the JSON array
   * `[tenant, lane, model, server]`; per server `b|server` (busy s), `i|server` (idle J),
   * `e|server` (J the counter advanced by).
   */
  hour: (hourMs: number) => `${base}:hour:${hourMs}`,
  /** Hash: one UTC hour's finished documents per model (`DocumentCounts`). */
  documentsPerHour: (hourMs: number) => `${base}:documents:${hourMs}`,
};
