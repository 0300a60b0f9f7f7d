import type { Config } from '@nightshift/core';
import { RedisRunCoordinator } from '@nightshift/schedules';
import { createServices } from '@nightshift/services';
import { startTracing } from '@nightshift/telemetry';
import { configuredFirer } from './configured-firer.ts';
import { type RunningScheduler, runScheduleTasks, type SchedulerLogger } from './schedule-tasks.ts';

export type { RunningScheduler, SchedulerLogger } from './schedule-tasks.ts';

/** Options of {@link createScheduler} beyond the configuration contract. */
export interface SchedulerOptions {
  /** How often the change counter is polled, in case a pub/sub message was lost. Default 5 s. */
  pollMs?: number;
  /** File reader of directory sources (tests). */
  readFile?: (path: string) => Promise<Buffer>;
  logger?: SchedulerLogger;
}

const silent: SchedulerLogger = { info() {}, warn() {}, error() {} };

/**
 * One scheduler replica (see {@link runScheduleTasks}): fires submit batches as
 * `POST /v1/batches` does, within the tenant's unfinished-documents quota. Any number of
 * replicas may run: each fire is claimed once per schedule and slot.
 *
 * @example
 * const scheduler = await createScheduler(loadConfig(process.env), { logger });
 * process.once('SIGTERM', () => scheduler.stop());
 */
export async function createScheduler(
  config: Config,
  options: SchedulerOptions = {},
): Promise<RunningScheduler> {
  if (!config.REDIS_URL) throw new Error('REDIS_URL is required to start the scheduler');
  const logger = options.logger ?? silent;
  // A fired batch's trace starts at its submission here and follows its documents.
  const tracing = await startTracing(config, { serviceName: 'nightshift-scheduler' });
  const services = createServices(config, { logger, queueTelemetry: tracing.queues });
  const coordinator = new RedisRunCoordinator({ redis: services.client });
  const firer = configuredFirer(services, coordinator, options.readFile);
  const warning = await services.checkRedis();
  if (warning) logger.warn({}, warning);
  const tasks = await runScheduleTasks({
    redisUrl: config.REDIS_URL,
    schedules: services.schedules,
    firer,
    coordinator,
    logger,
    onRedisError: services.redisOutages.listener('schedule change subscription'),
    ...(options.pollMs ? { pollMs: options.pollMs } : {}),
  });
  return {
    ...tasks,
    stop: () =>
      tasks
        .stop()
        .then(() => services.close())
        .then(() => tracing.shutdown()),
  };
}

/**
 * The scheduler service for `runService`.
 *
 * @example
 * await runService('scheduler', startScheduler);
 */
export async function startScheduler(config: Config, logger: SchedulerLogger) {
  const scheduler = await createScheduler(config, { logger });
  logger.info({ schedules: scheduler.scheduled().length }, 'scheduler running');
  return scheduler;
}
