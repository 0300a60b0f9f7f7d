import { BatchStore, BatchSubmitter, type ColdGrouping, FairShare } from '@nightshift/batches';
import { type Config, checkRedisPolicy, createRedis, durationMs } from '@nightshift/core';
import { RedisRunCoordinator, ScheduleFirer, ScheduleStore } from '@nightshift/schedules';
import { TenantQuotaStore } from '@nightshift/tenants';
import { createTask, type ScheduledTask } from 'node-cron';
import { subscribeToScheduleChanges } from './change-subscription.ts';

/** The few logger methods the scheduler uses (pino fits). */
export interface SchedulerLogger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

/** Options of {@link createScheduler}. */
export interface SchedulerOptions {
  redisUrl: string;
  /** `NIGHTSHIFT_INBOX_DIRS`. */
  inboxDirs: string[];
  defaultModel: string;
  maxDocumentBytes: number;
  maxDocuments: number;
  /**
   * `NIGHTSHIFT_MAX_QUEUED_PER_TENANT` and `NIGHTSHIFT_MAX_BATCH_BYTES`: every fire passes the
   * tenant's unfinished-documents quota (its override first), as `POST /v1/batches` does.
   */
  quotas: { maxQueuedPerTenant: number; maxBatchBytes: number };
  /** How long finished batches stay readable. */
  resultTtlMs: number;
  /** Attempts per document. */
  attempts: number;
  /** How often the change counter is polled, in case a pub/sub message was lost. Default 5 s. */
  pollMs?: number;
  /** File reader of directory sources (tests). */
  readFile?: (path: string) => Promise<Buffer>;
  logger?: SchedulerLogger;
  /** Model grouping of the fair cold order; must match the API's and the workers'. */
  fairShare?: { modelGroups: number; roundLength: number };
  /** How short texts of large batches are packed into cold jobs. Default: one per job. */
  grouping?: ColdGrouping;
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

const silent: SchedulerLogger = { info() {}, warn() {}, error() {} };

/**
 * One scheduler replica: a node-cron task per enabled schedule (its zone, `noOverlap`,
 * `distributed` through the Redis run coordinator), kept in step with the store live through
 * pub/sub plus a polled change counter. On start, and for every schedule it starts tracking,
 * it applies the schedule's `catchUp` to fires that passed with no scheduler running.
 * Any number of replicas may run: each fire is claimed once per schedule and slot.
 *
 * @example
 * const scheduler = await createScheduler({ redisUrl, inboxDirs: [], defaultModel: 'qwen3:32b', ... });
 * process.once('SIGTERM', () => scheduler.stop());
 */
export async function createScheduler(options: SchedulerOptions): Promise<RunningScheduler> {
  const log = options.logger ?? silent;
  const redis = createRedis(options.redisUrl, 'client');
  const batchStore = new BatchStore({ redis, resultTtlMs: options.resultTtlMs });
  const submitter = new BatchSubmitter({
    connection: redis,
    store: batchStore,
    attempts: options.attempts,
    resultTtlMs: options.resultTtlMs,
    priorityFor: new FairShare({ redis, ...options.fairShare }).priorityFor,
    ...(options.grouping ? { grouping: options.grouping } : {}),
  });
  const store = new ScheduleStore({ redis });
  const coordinator = new RedisRunCoordinator({ redis });
  const firer = new ScheduleFirer({
    store,
    submitter,
    redis,
    coordinator,
    inboxDirs: options.inboxDirs,
    defaultModel: options.defaultModel,
    maxDocumentBytes: options.maxDocumentBytes,
    maxDocuments: options.maxDocuments,
    quotas: { overrides: new TenantQuotaStore({ redis }), ...options.quotas },
    ...(options.readFile ? { readFile: options.readFile } : {}),
  });

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
        log.error({ err: error }, 'schedule sync failed');
      });
    return chain;
  };

  const policy = await checkRedisPolicy(redis);
  if (policy.warning) log.warn({}, policy.warning);
  const changes = await subscribeToScheduleChanges({
    redisUrl: options.redisUrl,
    onChange: (id) => void enqueue(() => syncOne(id)),
    // After a reconnect, messages sent meanwhile are lost: resync everything.
    onReconnect: () => void enqueue(syncAll),
    onError: (error) => log.warn({ err: error }, 'schedule change subscription: Redis error'),
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
      await submitter.close();
      changes.close();
      redis.disconnect();
    },
  };
}

/**
 * The scheduler service for `runService`: reads its options from the configuration contract.
 *
 * @example
 * await runService('scheduler', startScheduler);
 */
export async function startScheduler(config: Config, logger: SchedulerLogger) {
  if (!config.REDIS_URL) throw new Error('REDIS_URL is required to start the scheduler');
  const scheduler = await createScheduler({
    redisUrl: config.REDIS_URL,
    inboxDirs: config.NIGHTSHIFT_INBOX_DIRS,
    defaultModel: config.NIGHTSHIFT_MODEL,
    maxDocumentBytes: config.NIGHTSHIFT_MAX_DOCUMENT_BYTES,
    maxDocuments: config.NIGHTSHIFT_MAX_DOCUMENTS,
    quotas: {
      maxQueuedPerTenant: config.NIGHTSHIFT_MAX_QUEUED_PER_TENANT,
      maxBatchBytes: config.NIGHTSHIFT_MAX_BATCH_BYTES,
    },
    resultTtlMs: durationMs(config.NIGHTSHIFT_RESULT_TTL),
    attempts: config.NIGHTSHIFT_JOB_ATTEMPTS,
    logger,
    fairShare: {
      modelGroups: config.NIGHTSHIFT_MODEL_GROUPS,
      roundLength: config.NIGHTSHIFT_MODEL_ROUND,
    },
    // Workers run NIGHTSHIFT_COLD_CONCURRENCY slots each; groups keep every slot fed.
    grouping: {
      maxPerJob: config.NIGHTSHIFT_COLD_GROUP_MAX,
      slots: config.NIGHTSHIFT_COLD_CONCURRENCY,
    },
  });
  logger.info({ schedules: scheduler.scheduled().length }, 'scheduler running');
  return scheduler;
}
