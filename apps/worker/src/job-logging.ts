import type { RedisOutageLog } from '@nightshift/redis';
import type { Logger } from 'pino';
import type { WorkerLanes } from './worker-lanes.ts';

/**
 * Logs the lanes' worker errors, failed attempts and finished hot summaries, with the ids an
 * operator searches by (job, tenant, batch, document). Worker errors go through the process's
 * outage log: Redis away is a few lines, not one per reconnection attempt and worker.
 *
 * @example
 * logJobs(lanes, logger, services.redisOutages);
 */
export function logJobs(
  { hotWorker, coldWorker }: WorkerLanes,
  logger: Logger,
  outages: RedisOutageLog,
): void {
  for (const [name, worker] of [
    ['hot', hotWorker],
    ['cold', coldWorker],
  ] as const) {
    worker.on('error', outages.listener(`${name} lane worker`));
    worker.on('failed', (job, error) =>
      logger.warn(
        { lane: name, ...jobFields(job), attempt: job?.attemptsMade, err: error.message },
        'job failed',
      ),
    );
  }
  hotWorker.on('completed', (job, answer: { model?: string; durationMs?: number }) =>
    logger.info(
      { lane: 'hot', ...jobFields(job), model: answer?.model, durationMs: answer?.durationMs },
      'hot summary done',
    ),
  );
}

/** The ids a job-level log line carries (cold jobs have a batch and a document, hot ones not). */
function jobFields(job: { id?: string | undefined; data?: unknown } | undefined) {
  const data = (job?.data ?? {}) as { tenant?: string; batchId?: string; documentId?: string };
  return {
    jobId: job?.id,
    tenant: data.tenant,
    ...(data.batchId ? { batchId: data.batchId } : {}),
    ...(data.documentId ? { documentId: data.documentId } : {}),
  };
}
