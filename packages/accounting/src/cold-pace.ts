import type { HourUsageRow } from './accounting-store.ts';
import type { HourDocumentsRow } from './night-shift-report.ts';

/** What {@link coldPaceByModel} reads: the hours' charged calls and finished documents. */
export interface ColdPaceInput {
  calls: readonly HourUsageRow[];
  documents: readonly HourDocumentsRow[];
  /** A model with fewer finished documents than this has no pace (too little to trust). Default 20. */
  minDocuments?: number;
}

/** One model's measured pace on its servers together, and on each. */
export interface ModelPace {
  /** Documents per second its servers finish when the cold lane keeps them busy. */
  documentsPerS: number;
  servers: { server: string; documentsPerS: number }[];
  /** Finished documents the figure stands on. */
  documents: number;
}

/**
 * The cold lane's pace per model and server, from GPU accounting: each server's busy time
 * charged to the model's cold calls, against the documents those calls finished (the model's
 * documents shared among its servers by their calls). A server's time charged per document is
 * what a document costs there with the lane's other sequences beside it, so one second of that
 * server finishes `1 / (seconds per document)` documents; the model's pace is the sum over its
 * servers. A lane that ran a server below its capacity reads slower than the server could go:
 * the plan then opens an hour too many, never one too few.
 *
 * @example
 * const { calls } = await accountingStore.hours(from, now);
 * coldPaceByModel({ calls, documents: await documentCounts.hours(from, now) }).get('qwen3:32b');
 */
export function coldPaceByModel(input: ColdPaceInput): Map<string, ModelPace> {
  const minDocuments = input.minDocuments ?? 20;
  const documents = new Map<string, number>();
  for (const row of input.documents)
    documents.set(row.model, (documents.get(row.model) ?? 0) + row.documents);
  const perServer = new Map<string, Map<string, { gpuSeconds: number; calls: number }>>();
  for (const row of input.calls) {
    if (row.lane !== 'cold' || row.calls === 0) continue;
    const servers = perServer.get(row.model) ?? new Map();
    perServer.set(row.model, servers);
    const at = servers.get(row.server) ?? { gpuSeconds: 0, calls: 0 };
    at.gpuSeconds += row.gpuSeconds;
    at.calls += row.calls;
    servers.set(row.server, at);
  }
  const paces = new Map<string, ModelPace>();
  for (const [model, servers] of perServer) {
    const finished = documents.get(model) ?? 0;
    if (finished < minDocuments) continue;
    const calls = [...servers.values()].reduce((sum, s) => sum + s.calls, 0);
    const byServer = [...servers]
      .filter(([, s]) => s.gpuSeconds > 0)
      .map(([server, s]) => ({
        server,
        documentsPerS: (finished * (s.calls / calls)) / s.gpuSeconds,
      }));
    if (byServer.length === 0) continue;
    paces.set(model, {
      documentsPerS: byServer.reduce((sum, s) => sum + s.documentsPerS, 0),
      servers: byServer,
      documents: finished,
    });
  }
  return paces;
}
