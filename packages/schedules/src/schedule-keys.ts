import { keyPrefix } from '@nightshift/core';

/** Redis keys of schedules. All share the `{nightshift}` hash tag (one cluster slot). */
export const scheduleKeys = {
  /** String: the schedule's JSON with its tenant. */
  record: (id: string) => `${keyPrefix}:schedule:${id}`,
  /** Sorted set (score 0, lexical = age order) of a tenant's schedule ids. */
  tenant: (tenant: string) => `${keyPrefix}:tenant:${tenant}:schedules`,
  /** Set of every schedule id: what schedulers load. */
  all: `${keyPrefix}:schedules`,
  /** Counter bumped on every change: schedulers poll it in case a notification was lost. */
  version: `${keyPrefix}:schedules:version`,
  /** Pub/sub channel: a schedule id per change. */
  changes: `${keyPrefix}:schedules:changes`,
  /** Sorted set: schedule id → ms of the latest fire handled (only ever moves forward). */
  lastFire: `${keyPrefix}:schedules:last-fire`,
  /** Sorted set of run JSON scored by fire time (ms). */
  runs: (id: string) => `${keyPrefix}:schedule:${id}:runs`,
  /** Hash: file path → fingerprint of the version already taken (directory sources). */
  taken: (id: string) => `${keyPrefix}:schedule:${id}:taken`,
  /** String with a TTL: who runs one fire (SET NX PX). `key` is node-cron's `<name>:<ISO slot>`. */
  fireLock: (key: string) => `${keyPrefix}:fire-lock:${key}`,
};
