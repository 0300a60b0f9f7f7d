import type { BatchCounts, BatchObject, BatchStatus } from '@nightshift/core';

/** GPU time and energy charged so far, as the batch object and results lines show them. */
export interface GpuCharge {
  gpuSeconds: number;
  /** Null where no server of its calls reports energy. */
  energyWh: number | null;
}

/** A charge as shown: ms and mWh (the sums carry float noise below that). */
export function roundedCharge(charge: GpuCharge): GpuCharge {
  return {
    gpuSeconds: Math.round(charge.gpuSeconds * 1000) / 1000,
    energyWh: charge.energyWh === null ? null : Math.round(charge.energyWh * 1000) / 1000,
  };
}

const countFields = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'expired'] as const;

/**
 * How a document starts on a worker: `stop` when its batch was cancelled or expired (the
 * document is recorded in that state), `duplicate` when it is already final, else `run` with
 * its checkpoint, if an earlier run left one.
 */
export type DocumentStart<C> =
  | { outcome: 'stop'; state: 'cancelled' | 'expired' }
  | { outcome: 'duplicate' }
  | { outcome: 'run'; checkpoint: C | null };

export function documentStart<C>([outcome, value]: [string, string]): DocumentStart<C> {
  if (outcome === 'stop') return { outcome, state: value as 'cancelled' | 'expired' };
  if (outcome === 'duplicate') return { outcome };
  return { outcome: 'run', checkpoint: value ? (JSON.parse(value) as C) : null };
}

/**
 * The public batch object from a batch's Redis hash. A batch without `finalStatus` is still
 * open: `cancelled` once a cancel was asked for, else `running` once a document started.
 */
export function toBatchObject(f: Record<string, string>, charge?: GpuCharge): BatchObject {
  const counts = Object.fromEntries(
    countFields.map((name) => [name, Number(f[name] ?? 0)]),
  ) as Omit<BatchCounts, 'total'>;
  const status: BatchStatus =
    (f.finalStatus as BatchStatus | undefined) ??
    (f.cancelledAt ? 'cancelled' : f.startedAt ? 'running' : 'queued');
  return {
    id: f.id as string,
    object: 'batch',
    status,
    counts: { total: Number(f.total ?? 0), ...counts },
    model: f.model ?? '',
    summary: JSON.parse(f.summary ?? '{}'),
    usage: {
      promptTokens: Number(f.promptTokens ?? 0),
      completionTokens: Number(f.completionTokens ?? 0),
      ...roundedCharge(charge ?? { gpuSeconds: 0, energyWh: null }),
    },
    metadata: JSON.parse(f.metadata ?? '{}'),
    webhook: JSON.parse(f.webhook ?? 'null'),
    completionWindow: f.completionWindow ?? '24h',
    scheduleId: f.scheduleId || null,
    createdAt: f.createdAt as string,
    startedAt: f.startedAt ?? null,
    completedAt: f.completedAt ?? null,
    cancelledAt: f.cancelledAt ?? null,
    expiresAt: f.expiresAt as string,
  };
}
