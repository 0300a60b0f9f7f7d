import { BatchStopper } from '@nightshift/batches';
import { type ColdJobData, type HotJobData, keyPrefix, queueNames } from '@nightshift/core';
import { cachedProbe, memoryPerSlotMiB, parseColdWindows, type VramProbe } from '@nightshift/gpu';
import { ColdLaneController } from '@nightshift/lanes';
import type { Services } from '@nightshift/services';
import { Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { BatchEndings } from './batch-endings.ts';
import { createColdProcessor } from './cold-processor.ts';
import { DeadlineWatch } from './deadline-watch.ts';
import { DocumentEventForwarder } from './document-event-forwarder.ts';
import { createHotProcessor } from './hot-processor.ts';
import { LaneActivity } from './lane-activity.ts';
import { unloadColdOnlyModels } from './model-hygiene.ts';
import type { Summarization } from './summarization-setup.ts';
import { createVramProbe } from './vram-probe.ts';

/** A worker's two lanes and what steers them, running. */
export interface WorkerLanes {
  hotWorker: Worker<HotJobData>;
  coldWorker: Worker<ColdJobData>;
  lane: ColdLaneController;
  deadlines: DeadlineWatch;
  /** Parent jobs of ended batches, and the sweep of final events left pending. */
  endings: BatchEndings;
  activity: LaneActivity;
  probe: VramProbe;
  /** Stops steering; active jobs finish or yield at their next chunk boundary; closes queues. */
  stop(): Promise<void>;
}

/**
 * Starts the hot lane (always, first) and the cold lane (only while the window is open, VRAM
 * admits and no hot job waits), the deadline watch and the batch endings.
 *
 * @example
 * const lanes = await startLanes(services, logger, await startSummarization(services, logger));
 */
export async function startLanes(
  services: Services,
  logger: Logger,
  { meter, backend, summarizer }: Summarization,
): Promise<WorkerLanes> {
  const { config, client, batchStore: store } = services;
  const workerOptions = {
    connection: services.redis.blocking,
    prefix: keyPrefix,
    lockDuration: config.NIGHTSHIFT_JOB_LOCK_MS,
    stalledInterval: config.NIGHTSHIFT_JOB_LOCK_MS,
    // Each job's span continues the trace it was queued in (a request, a batch's submission).
    ...(services.queueTelemetry ? { telemetry: services.queueTelemetry } : {}),
  };
  const hotQueue = new Queue(queueNames.hot, { connection: client, prefix: keyPrefix });
  const activity = new LaneActivity();
  const hotWorker = new Worker<HotJobData>(
    queueNames.hot,
    activity.trackHot(createHotProcessor(summarizer, meter)),
    { ...workerOptions, concurrency: config.NIGHTSHIFT_HOT_CONCURRENCY },
  );
  const documentEvents = new DocumentEventForwarder({ store, outbox: services.webhookOutbox });
  // The lane steers the cold worker and is asked by the work it steers. The cold worker does
  // not run by itself (autorun: false): only `lane.start()` runs it, so the closures below that
  // read `lane` and `tracked` are first called once both exist.
  const coldProcessor = createColdProcessor({
    store,
    deleteBlobs: (keys) => services.documentBlobs.delete(keys),
    summarizer,
    shouldYield: () => lane.shouldYield(),
    logger,
    meter,
    onModelUsed: (model) => activity.coldModels.add(model),
    fairShare: services.fairShare,
    onDocumentFinished: (batchId, result) => documentEvents.forward(batchId, result),
  });
  const coldWorker = new Worker<ColdJobData>(queueNames.cold, (job, token) => tracked(job, token), {
    ...workerOptions,
    autorun: false,
    concurrency: config.NIGHTSHIFT_COLD_CONCURRENCY,
  });
  const probe = await createVramProbe(config);
  const coldQueue = new Queue(queueNames.cold, { connection: client, prefix: keyPrefix });
  const expirer = new BatchStopper({
    connection: client,
    store,
    resultTtlMs: services.resultTtlMs,
  });
  const deadlines = new DeadlineWatch({
    store,
    stopper: expirer,
    coldQueue,
    coldSlots: config.NIGHTSHIFT_COLD_CONCURRENCY,
    averageColdMs: () => lane.averageColdMs(),
    logger,
  });
  const lane: ColdLaneController = new ColdLaneController({
    coldWorker,
    hotQueue,
    hotRunning: () => activity.hotRunning,
    // Gateway chat calls go straight to the model servers: only this shared record sees them.
    interactive: services.interactiveTraffic,
    deadlinePressure: () => deadlines.underPressure(),
    hotReserveSlots: config.NIGHTSHIFT_HOT_RESERVE_SLOTS,
    hotIdleMs: config.NIGHTSHIFT_HOT_IDLE_S * 1000,
    windows: parseColdWindows(config.NIGHTSHIFT_COLD_WINDOWS),
    timeZone: config.NIGHTSHIFT_TZ,
    probe: cachedProbe(probe, { maxAgeMs: 250 }),
    maxUsedPct: config.NIGHTSHIFT_VRAM_MAX_USED_PCT,
    reserveMiB: config.NIGHTSHIFT_VRAM_RESERVE_MIB,
    memoryPerSlotMiB:
      config.NIGHTSHIFT_SLOT_MEMORY_MIB ?? memoryPerSlotMiB(config.NIGHTSHIFT_NUM_CTX),
    maxSlots: config.NIGHTSHIFT_COLD_CONCURRENCY,
    graceMs: config.NIGHTSHIFT_WINDOW_GRACE_S * 1000,
    onWindowChange: async (state) => {
      logger.info({ open: state.open, next: state.nextTransition }, 'cold window');
      // The day starts with free memory: drop models that only cold work had loaded.
      if (!state.open && backend.provider() === 'ollama') {
        await unloadAtClose();
      }
    },
  });
  /** Models someone chatted with through the gateway lately stay loaded; cold-only ones go. */
  const unloadAtClose = async () => {
    let chattedWith: string[];
    try {
      chattedWith = await services.interactiveTraffic.recentModels(
        config.NIGHTSHIFT_GATEWAY_WARM_S * 1000,
      );
    } catch (error) {
      // Unloading a model mid-chat costs a person a reload; keeping one costs memory only
      // until Ollama's own keep_alive retires it.
      logger.warn(
        { err: (error as Error).message },
        'model hygiene skipped: interactive use unknown',
      );
      return;
    }
    await unloadColdOnlyModels(activity, config.OLLAMA_HOST, logger, chattedWith);
  };
  const tracked: typeof coldProcessor = lane.track(coldProcessor);
  activity.onHotStart = () => lane.noteHotActivity();
  const endings = new BatchEndings({
    connection: services.redis.blocking,
    relay: services.finalEvents,
    logger,
    lockMs: config.NIGHTSHIFT_JOB_LOCK_MS,
    queueTelemetry: services.queueTelemetry,
  });
  await lane.start();
  deadlines.start();
  endings.start();

  return {
    hotWorker,
    coldWorker,
    lane,
    deadlines,
    endings,
    activity,
    probe,
    async stop() {
      deadlines.stop();
      await lane.stop();
      // Active jobs finish (or yield at their next chunk boundary: the lane now says so).
      await Promise.all([hotWorker.close(), coldWorker.close(), endings.stop()]);
      await Promise.all([hotQueue.close(), coldQueue.close(), expirer.close()]);
    },
  };
}
