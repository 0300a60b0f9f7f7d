import type { Queue } from 'bullmq';

/**
 * A queue no worker consumes: it holds the gate children of batches being queued. A large
 * batch is queued in slices; until the last slice is in, its gate child keeps the parent from
 * completing early, and removing the gate opens the batch.
 */
export const gateQueueName = 'batch-gates';

/** BullMQ job id of a batch's gate child. */
export const gateJobId = (batchId: string) => `${batchId}-gate`;

/** BullMQ job id of a batch's cold job, by the index of its first document (no ':' allowed). */
export const coldJobId = (batchId: string, index: number) => `${batchId}-${index}`;

/** Removes a batch's gate child, if it has one: the parent may then complete. */
export async function openGate(gates: Queue, batchId: string): Promise<void> {
  const gate = await gates.getJob(gateJobId(batchId));
  await gate?.remove();
}
