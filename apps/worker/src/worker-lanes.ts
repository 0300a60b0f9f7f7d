import { BatchStopper, ColdGroupRelease, StrandedDocuments } from '@nightshift/batches';
import {
  type ColdJobData,
  coldConcurrencyCap,
  type HotJobData,
  jobLockTiming,
  keyPrefix,
  queueNames,
} from '@nightshift/core';
import { ModelPlacement, recentFleet } from '@nightshift/fleet';
import {
  cachedProbe,
  createNoneProbe,
  memoryPerSlotMiB,
  parseColdWindows,
  type VramProbe,
} from '@nightshift/gpu';
import { ColdLaneController, ConcurrencyTuner } from '@nightshift/lanes';
import { sameModel } from '@nightshift/llm';
import { ResponseBounds } from '@nightshift/openai-batches';
import type { Services } from '@nightshift/services';
import { DelayedError, type Job, Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { BatchEndings } from './batch-endings.ts';
import { coldLaneServers } from './cold-lane-servers.ts';
import { createColdProcessor } from './cold-processor.ts';
import { DeadlineWatch } from './deadline-watch.ts';
import { DocumentEventForwarder } from './document-event-forwarder.ts';
import { createHotProcessor } from './hot-processor.ts';
import { LaneActivity } from './lane-activity.ts';
import { unloadColdOnlyModels } from './model-hygiene.ts';
import type { WorkerModelLayer } from './model-layer.ts';
import { startPriceWindows } from './price-windows-setup.ts';
import { createRequestProcessor } from './request-processor.ts';
import { StallWatch } from './stall-watch.ts';
import { StrandedSweep } from './stranded-sweep.ts';
import type { Summarization } from './summarization-setup.ts';
import { createServerLoadProbeFor, createVramProbe } from './vram-probe.ts';

/** A worker's two lanes and what steers them, running. */
export interface WorkerLanes {
  hotWorker: Worker<HotJobData>;
  coldWorker: Worker<ColdJobData>;
  lane: ColdLaneController;
  /** Cold calls' places per model server (the model layer's). */
  coldCapacity: WorkerModelLayer['coldCapacity'];
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
  { meter, layer, backend, summarizer, coldSummarizer, onServerOverload }: Summarization,
  workerId: string,
): Promise<WorkerLanes> {
  const { config, client, batchStore: store } = services;
  const coldCap = coldConcurrencyCap(config);
  const workerOptions = {
    connection: services.redis.blocking,
    prefix: keyPrefix,
    // A killed worker's jobs are back in the queue within NIGHTSHIFT_JOB_LOCK_MS.
    ...jobLockTiming(config.NIGHTSHIFT_JOB_LOCK_MS),
    // Each job's span continues the trace it was queued in (a request, a batch's submission).
    ...(services.queueTelemetry ? { telemetry: services.queueTelemetry } : {}),
  };
  const hotQueue = new Queue(queueNames.hot, { connection: client, prefix: keyPrefix });
  hotQueue.on('error', services.redisOutages.listener('hot queue'));
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
  // Each finished cold document's pace per token feeds the lane's tuner, and its model's count
  // is the denominator of the night shift report's Wh per 1,000 documents.
  const coldMeter = {
    documentFinished: (doc: Parameters<typeof meter.documentFinished>[0]) => {
      lane.noteColdDocument(doc.durationMs, doc.usage.completionTokens);
      if (doc.model)
        // Written behind with the accounting's charges; its failures go to the same log.
        void services.gpuAccounting.documents.add(doc.model);
      return meter.documentFinished(doc);
    },
  };
  const coldQueue = new Queue(queueNames.cold, { connection: client, prefix: keyPrefix });
  coldQueue.on('error', services.redisOutages.listener('cold queue'));
  // A batch's last groups hand their unstarted documents back while slots here would idle.
  let coldRunning = 0;
  const release = new ColdGroupRelease({
    queue: coldQueue,
    spareSlots: () => (lane.snapshot().paused ? 0 : coldWorker.concurrency - coldRunning),
  });
  const coldProcessor = createColdProcessor({
    release,
    store,
    deleteBlobs: (keys) => services.documentBlobs.delete(keys),
    summarizer: coldSummarizer,
    shouldYield: () => lane.shouldYield(),
    logger,
    meter: coldMeter,
    onModelUsed: (model) => activity.coldModels.add(model),
    fairShare: services.fairShare,
    onDocumentFinished: (batchId, result) => documentEvents.forward(batchId, result),
  });
  // Request lines of OpenAI-compatible batches share the cold queue, its lane and its order.
  const stopping = new AbortController();
  const requestProcessor = createRequestProcessor({
    store,
    files: services.openAiFiles,
    gateway: layer.gateway,
    clients: layer.clients,
    capacity: layer.coldCapacity,
    shouldYield: () => lane.shouldYield(),
    logger,
    meter: coldMeter,
    fairShare: services.fairShare,
    release,
    signal: stopping.signal,
    bounds: new ResponseBounds({
      redis: client,
      maxLineBytes: config.NIGHTSHIFT_OPENAI_BATCH_MAX_RESPONSE_BYTES,
      maxBatchBytes: config.NIGHTSHIFT_OPENAI_BATCH_MAX_OUTPUT_BYTES,
    }),
  });
  const coldOrRequest: typeof coldProcessor = async (job, token) => {
    coldRunning++;
    try {
      return await (job.data.content.kind === 'request'
        ? requestProcessor(job, token)
        : coldProcessor(job, token));
    } finally {
      coldRunning--;
    }
  };
  const placement = new ModelPlacement({
    workerId,
    fleet: recentFleet(services.fleet, 1000),
    sameModel,
    maxWaitMs: config.NIGHTSHIFT_MODEL_AFFINITY_WAIT_S * 1000,
  });
  // A job whose model another worker has loaded is left to that worker (no attempt counted).
  const placed = async (job: Job<ColdJobData>, token?: string) => {
    if ((await placement.place(job.data.model, job.timestamp)).run === 'elsewhere') {
      await job.moveToDelayed(Date.now() + 1000, token);
      throw new DelayedError();
    }
    return tracked(job, token);
  };
  // A cold job is promised its attempts whether its runs fail or its worker dies under it: a
  // worker killed again and again (an out-of-memory loop) spends one attempt per stall.
  const coldStalls = { maxStalledCount: Math.max(0, config.NIGHTSHIFT_JOB_ATTEMPTS - 1) };
  const coldWorker = new Worker<ColdJobData>(queueNames.cold, placed, {
    ...workerOptions,
    ...coldStalls,
    autorun: false,
    concurrency: Math.min(coldCap, 2),
  });
  const probe = await createVramProbe(config, layer.housekeeping.servers);
  const server = createServerLoadProbeFor(config);
  const expirer = new BatchStopper({
    connection: client,
    store,
    resultTtlMs: services.resultTtlMs,
    onError: services.redisOutages.listener('batch expirer'),
  });
  const deadlines = new DeadlineWatch({
    store,
    stopper: expirer,
    coldQueue,
    coldSlots: () => lane.snapshot().admission?.slots ?? 1,
    averageColdMs: () => lane.averageColdMs(),
    logger,
  });
  const coldServers = coldLaneServers(config);
  // Cold calls take places per model server (layer.coldCapacity): each server is admitted,
  // stepped back and shared with chat by its own signals, and the lane runs as many jobs as
  // all of them hold. Without a model server (extractive) the lane tunes itself as before.
  const perServerState = layer.coldCapacity.snapshot();
  const perServer = perServerState.length > 0;
  const slotServers = perServerState.filter((s) => s.batching === 'slots').map((s) => s.url);
  const everyServerContinuous =
    perServer && perServerState.every((s) => s.batching === 'continuous');
  // Chat through the gateway is yielded to per server, by the places themselves: a fixed-slot
  // server (Ollama) lends each chat one of its slots, a continuous-batching one admits chat
  // within its reserve. Only without a model server does the lane itself hold for chat.
  if (perServer) layer.coldCapacity.start();
  // With a price source the window follows the shared price plan, within the fixed windows.
  const priceWindows = await startPriceWindows(services, logger, workerId);
  const lane: ColdLaneController = new ColdLaneController({
    coldWorker,
    hotQueue,
    hotRunning: () => activity.hotRunning,
    // Gateway chat calls go straight to the model servers: only this shared record sees them,
    // and only those on a server this worker's cold work uses concern it.
    ...(!perServer
      ? {
          interactive: {
            inFlight: () => services.interactiveTraffic.inFlight({ servers: coldServers }),
          },
        }
      : {}),
    deadlinePressure: () => deadlines.underPressure(),
    hotReserveSlots: config.NIGHTSHIFT_HOT_RESERVE_SLOTS,
    hotIdleMs: config.NIGHTSHIFT_HOT_IDLE_S * 1000,
    windows: parseColdWindows(config.NIGHTSHIFT_COLD_WINDOWS),
    timeZone: config.NIGHTSHIFT_TZ,
    ...(priceWindows ? { plannedWindow: priceWindows.plannedWindow } : {}),
    // A continuous-batching server (vLLM, SGLang) reserves most of the card at start, so free
    // memory says nothing about its room: where every server batches continuously, their own
    // places (capacity − chat reserve, stepping back on their queue) are the whole admission.
    probe: cachedProbe(everyServerContinuous ? createNoneProbe() : probe, { maxAgeMs: 250 }),
    ...(server && !perServer ? { server } : {}),
    reserveMiB: config.NIGHTSHIFT_VRAM_RESERVE_MIB,
    memoryPerSlotMiB:
      config.NIGHTSHIFT_SLOT_MEMORY_MIB ?? memoryPerSlotMiB(config.NIGHTSHIFT_NUM_CTX),
    maxSlots: perServer ? layer.coldCapacity.ceiling : coldCap,
    // Slot servers report no queue: the tuner's slow start and pace keep finding their room
    // (free memory shows a model's sessions late). Continuous ones are tuned per server.
    ...(config.NIGHTSHIFT_COLD_AUTOTUNE &&
    (!perServer || slotServers.length === perServerState.length)
      ? { tuner: new ConcurrencyTuner({ max: perServer ? layer.coldCapacity.ceiling : coldCap }) }
      : {}),
    kvSettleMs: config.NIGHTSHIFT_KV_SETTLE_MS,
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
    await unloadColdOnlyModels(activity, layer.housekeeping, logger, chattedWith);
  };
  const tracked: typeof coldProcessor = lane.track(coldOrRequest);
  activity.onHotStart = () => lane.noteHotActivity();
  onServerOverload(() => lane.noteServerOverload());
  const endings = new BatchEndings({
    connection: services.redis.blocking,
    relay: services.finalEvents,
    logger,
    lockMs: config.NIGHTSHIFT_JOB_LOCK_MS,
    queueTelemetry: services.queueTelemetry,
    onWorkerError: services.redisOutages.listener('batches worker'),
  });
  const stallWatch = new StallWatch({
    connection: services.redis.blocking,
    queueName: queueNames.cold,
    timing: { ...jobLockTiming(config.NIGHTSHIFT_JOB_LOCK_MS), ...coldStalls },
    logger,
    telemetry: services.queueTelemetry,
    onError: services.redisOutages.listener('cold stall watch'),
  });
  const stranded = new StrandedDocuments({
    redis: client,
    store,
    attempts: config.NIGHTSHIFT_JOB_ATTEMPTS,
    resultTtlMs: services.resultTtlMs,
    onError: services.redisOutages.listener('stranded documents'),
  });
  const strandedSweep = new StrandedSweep({
    stranded,
    holder: workerId,
    intervalMs: config.NIGHTSHIFT_JOB_LOCK_MS,
    logger,
  });
  strandedSweep.watch(coldWorker);
  await lane.start();
  deadlines.start();
  endings.start();
  stallWatch.start();
  strandedSweep.start();

  return {
    hotWorker,
    coldWorker,
    lane,
    coldCapacity: layer.coldCapacity,
    deadlines,
    endings,
    activity,
    probe,
    async stop() {
      deadlines.stop();
      strandedSweep.stop();
      await priceWindows?.stop();
      await lane.stop();
      // Active jobs finish (or yield at their next chunk boundary: the lane now says so).
      await Promise.all([hotWorker.close(), coldWorker.close(), endings.stop(), stallWatch.stop()]);
      stopping.abort();
      await Promise.all([
        hotQueue.close(),
        coldQueue.close(),
        expirer.close(),
        layer.close(),
        stranded.close(),
      ]);
    },
  };
}
