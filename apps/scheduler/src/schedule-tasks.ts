import { isRedisUnreachable } from '@nightshift/redis';
import type { RedisRunCoordinator, ScheduleFirer, ScheduleStore } from '@nightshift/schedules';
import { createTask, type ScheduledTask } from 'node-cron';
import { subscribeToScheduleChanges } from './change-subscription.ts';

/** The few logger methods the scheduler uses (pino fits). */
export interface SchedulerLogger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

/** Options of {@link runScheduleTasks}. */
export interface ScheduleTasksOptions {
  /** `REDIS_URL`: the change subscription opens its own subscriber connection. */
  redisUrl: string;
  schedules: ScheduleStore;
  firer: ScheduleFirer;
  coordinator: RedisRunCoordinator;
  /** How often the change counter is polled, in case a pub/sub message was lost. Default 5 s. */
  pollMs?: number;
  logger: SchedulerLogger;
  /**
   * Hears the subscriber connection's errors (`RedisOutageLog.listener`, so Redis away is a
   * few lines). Default: each logged as a warning.
   */
  onRedisError?: (error: Error) => void;
}

/** A running scheduler replica. */
export interface RunningScheduler {
  /** Stops every task, waits for fires in flight, closes connections. */
  stop(): Promise<void>;
  /** Schedule ids this replica has a task for (tests and diagnostics). */
  scheduled(): string[];
  /** Resolves when the sync queued so far is done (tests). */
  settled(): Promise<void>;
}

/**
 * A node-cron task per enabled schedule (its zone, `noOverlap`, `distributed` through the Redis
 * run coordinator), kept in step with the store live through pub/sub plus a polled change
 * counter. For every schedule it starts tracking, it applies the schedule's `catchUp` to fires
 * that passed with no scheduler running. `stop()` leaves the caller's connections open.
 *
 * @example
 * const tasks = await runScheduleTasks({ redisUrl, schedules, firer, coordinator, logger });
 */
export async function runScheduleTasks(options: ScheduleTasksOptions): Promise<RunningScheduler> {
  const { schedules: store, firer, coordinator, logger: log } = options;
  const tasks = new Map<string, { task: ScheduledTask; cron: string; timezone: string }>();
  const inFlight = new Set<Promise<unknown>>();
  let stopping = false;
  let version = -1;
  let chain: Promise<void> = Promise.resolve();

  const track = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    work.then(
      () => inFlight.delete(work),
      (error: Error) => {
        inFlight.delete(work);
        log.error({ err: error }, 'fire failed');
      },
    );
    return work;
  };
  const drop = async (id: string) => {
    const entry = tasks.get(id);
    if (!entry) return;
    tasks.delete(id);
    await entry.task.destroy();
    log.info({ scheduleId: id }, 'schedule task removed');
  };
  const syncOne = async (id: string) => {
    const stored = await store.get(id);
    const schedule = stored?.schedule;
    if (!schedule?.enabled) return drop(id);
    const current = tasks.get(id);
    if (current && current.cron === schedule.cron && current.timezone === schedule.timezone) return;
    await drop(id);
    const task = createTask(schedule.cron, (context) => track(firer.fire(id, context.date)), {
      name: id,
      timezone: schedule.timezone,
      noOverlap: true,
      distributed: true,
      runCoordinator: coordinator,
      logger: {
        info: (message) => log.info({ scheduleId: id }, message),
        warn: (message) => log.warn({ scheduleId: id }, message),
        error: (message) => log.error({ scheduleId: id }, String(message)),
        debug: () => {},
      },
    });
    // A slot this replica was too late for may have been missed by all: claim it late.
    task.on('execution:missed', (context) => {
      void track(firer.claimAndFire(id, context.date));
    });
    await task.start();
    tasks.set(id, { task, cron: schedule.cron, timezone: schedule.timezone });
    log.info(
      { scheduleId: id, cron: schedule.cron, timezone: schedule.timezone },
      'schedule task started',
    );
    await track(firer.catchUp(id));
  };
  const syncAll = async () => {
    version = await store.version();
    const ids = new Set(await store.ids());
    for (const id of [...tasks.keys()]) if (!ids.has(id)) await drop(id);
    for (const id of ids) await syncOne(id);
  };
  // Syncs run one after another so two notifications for one schedule never race.
  const enqueue = (work: () => Promise<void>) => {
    chain = chain
      .then(() => (stopping ? undefined : work()))
      .catch((error: Error) => {
        // Redis away: the outage is logged once elsewhere, and the next poll syncs again.
        if (!isRedisUnreachable(error)) log.error({ err: error }, 'schedule sync failed');
      });
    return chain;
  };

  const changes = await subscribeToScheduleChanges({
    redisUrl: options.redisUrl,
    onChange: (id) => void enqueue(() => syncOne(id)),
    // After a reconnect, messages sent meanwhile are lost: resync everything.
    onReconnect: () => void enqueue(syncAll),
    onError:
      options.onRedisError ??
      ((error) => log.warn({ err: error }, 'schedule change subscription: Redis error')),
  });
  await enqueue(syncAll);
  const poll = setInterval(() => {
    void enqueue(async () => {
      if ((await store.version()) !== version) await syncAll();
    });
  }, options.pollMs ?? 5_000);

  return {
    scheduled: () => [...tasks.keys()],
    settled: () => chain,
    async stop() {
      stopping = true;
      clearInterval(poll);
      for (const { task } of tasks.values()) await task.stop();
      await chain;
      await Promise.allSettled([...inFlight]);
      for (const { task } of tasks.values()) await task.destroy();
      tasks.clear();
      changes.close();
    },
  };
}
