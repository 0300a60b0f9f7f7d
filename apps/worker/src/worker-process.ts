import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from '@nightshift/core';
import type { ColdLaneController } from '@nightshift/lanes';
import { createServices } from '@nightshift/services';
import { startTracing } from '@nightshift/telemetry';
import type { Logger } from 'pino';
import type { BatchEndings } from './batch-endings.ts';
import type { DeadlineWatch } from './deadline-watch.ts';
import { logJobs } from './job-logging.ts';
import { startSummarization } from './summarization-setup.ts';
import { startLanes, type WorkerLanes } from './worker-lanes.ts';
import { startPublishing } from './worker-publishing.ts';

/** A running worker and how to drain it. */
export interface RunningWorker {
  lane: ColdLaneController;
  /** Cold calls' places per model server. */
  coldCapacity: WorkerLanes['coldCapacity'];
  deadlines: DeadlineWatch;
  /** Parent jobs of ended batches, and the sweep of final events left pending. */
  endings: BatchEndings;
  stop(): Promise<void>;
}

/**
 * Starts a GPU worker: the hot lane (always, first) and the cold lane (only while the window is
 * open, VRAM admits and no hot job waits). A batch ends in the step that records its last
 * document; the worker then queues its final webhook event (see {@link BatchEndings}).
 *
 * @example
 * const worker = await startWorker(loadConfig(process.env), logger);
 */
export async function startWorker(config: Config, logger: Logger): Promise<RunningWorker> {
  if (!config.REDIS_URL) throw new Error('REDIS_URL is required to start the worker');
  const tracing = await startTracing(config, { serviceName: 'nightshift-worker' });
  // Many concurrent jobs make per-document calls: they share one auto-pipelined connection.
  const services = createServices(config, {
    pipelinedCommands: true,
    logger,
    queueTelemetry: tracing.queues,
  });
  const warning = await services.checkRedis();
  if (warning) logger.warn(warning);
  const summarization = await startSummarization(services, logger);
  // One id for the fleet status this worker publishes and the placement that reads the fleet.
  const workerId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const lanes = await startLanes(services, logger, summarization, workerId);
  const publishing = await startPublishing(services, lanes, summarization, workerId);
  logJobs(lanes, logger, services.redisOutages);
  logger.info(
    {
      host: hostname(),
      windows: config.NIGHTSHIFT_COLD_WINDOWS,
      tz: config.NIGHTSHIFT_TZ,
      tracing: tracing.enabled,
    },
    'worker running',
  );

  return {
    lane: lanes.lane,
    coldCapacity: lanes.coldCapacity,
    deadlines: lanes.deadlines,
    endings: lanes.endings,
    async stop() {
      await publishing.stop();
      await lanes.stop();
      await summarization.meter.close();
      await services.close();
      await tracing.shutdown();
    },
  };
}
