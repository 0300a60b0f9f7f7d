import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  BatchStopper,
  BatchStore,
  DocumentBlobs,
  FairShare,
  FinalEventRelay,
} from '@nightshift/batches';
import {
  type ColdJobData,
  type Config,
  checkRedisPolicy,
  createRedis,
  durationMs,
  type HotJobData,
  keyPrefix,
  queueNames,
} from '@nightshift/core';
import { FleetRegistry } from '@nightshift/fleet';
import { cachedProbe, memoryPerSlotMiB, parseColdWindows } from '@nightshift/gpu';
import { ColdLaneController } from '@nightshift/lanes';
import { listLoadedModels } from '@nightshift/llm';
import { startWorkerGauges, WorkMeter } from '@nightshift/metrics';
import { Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { BatchEndings } from './batch-endings.ts';
import { createColdProcessor } from './cold-processor.ts';
import { DeadlineWatch } from './deadline-watch.ts';
import { DocumentEventForwarder } from './document-event-forwarder.ts';
import { DocumentSummarizer } from './document-summarizer.ts';
import { createHotProcessor } from './hot-processor.ts';
import { LaneActivity } from './lane-activity.ts';
import { summarizationBackend } from './model-chains.ts';
import { unloadColdOnlyModels } from './model-hygiene.ts';
import { StatusPublisher } from './status-publisher.ts';
import { createVramProbe } from './vram-probe.ts';
import { configuredOutbox } from './webhook-outbox.ts';

/** A running worker and how to drain it. */
export interface RunningWorker {
  lane: ColdLaneController;
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
  const client = createRedis(config.REDIS_URL, 'client');
  const blocking = createRedis(config.REDIS_URL, 'worker');
  // The per-document calls of many concurrent jobs (start, record, fair-share clock) go out
  // together, one write per event-loop turn instead of one each. BullMQ keeps its own plain
  // connections: it is not tested with auto-pipelining.
  const commands = createRedis(config.REDIS_URL, 'client', { enableAutoPipelining: true });
  const policy = await checkRedisPolicy(client);
  if (policy.warning) logger.warn(policy.warning);

  const meter = new WorkMeter({
    redis: client,
    flushMs: config.NIGHTSHIFT_METRICS_FLUSH_MS,
    onError: (error) => logger.warn({ err: error.message }, 'metrics not recorded'),
  });
  let started = false;
  const backend = summarizationBackend(config, {
    onFallback: (attempt) => void meter.fallback(attempt),
    onProviderChange: (now) => {
      if (started) logger.info({ provider: now }, 'summarization provider changed');
    },
  });
  const provider = await backend.ready();
  started = true;
  logger.info({ provider, model: config.NIGHTSHIFT_MODEL }, 'summarization provider');
  const blobs = new DocumentBlobs({
    redis: client,
    ttlMs: durationMs(config.NIGHTSHIFT_RESULT_TTL),
  });
  const summarizer = new DocumentSummarizer({
    readBlob: (key) => blobs.read(key),
    chainFor: (model) => backend.chainFor(model),
    numCtx: config.NIGHTSHIFT_NUM_CTX,
    maxTokens: config.NIGHTSHIFT_MAX_TOKENS,
    documentLimits: {
      maxDocumentBytes: config.NIGHTSHIFT_MAX_DOCUMENT_BYTES,
      maxDecodedBytes: config.NIGHTSHIFT_PDF_MAX_DECODED_BYTES,
    },
  });
  // The step that records a batch's last document ends the batch; its final webhook event is
  // queued right after it, here, so a batch's end never waits for a notifier.
  const finalOutbox = configuredOutbox(client, config);
  let relay: FinalEventRelay | undefined;
  const store = new BatchStore({
    redis: commands,
    resultTtlMs: durationMs(config.NIGHTSHIFT_RESULT_TTL),
    onFinalized: (batchId) =>
      relay?.relay(batchId).then(
        (deliveryId) => logger.info({ batchId, deliveryId }, 'batch ended'),
        (error: Error) =>
          logger.warn({ batchId, err: error.message }, 'final event not queued; the sweep will'),
      ),
  });
  relay = new FinalEventRelay({ redis: client, store, outbox: finalOutbox });
  const endings = new BatchEndings({
    connection: blocking,
    relay,
    logger,
    lockMs: config.NIGHTSHIFT_JOB_LOCK_MS,
  });
  const workerOptions = {
    connection: blocking,
    prefix: keyPrefix,
    lockDuration: config.NIGHTSHIFT_JOB_LOCK_MS,
    stalledInterval: config.NIGHTSHIFT_JOB_LOCK_MS,
  };

  const hotQueue = new Queue(queueNames.hot, { connection: client, prefix: keyPrefix });
  const activity = new LaneActivity();
  const hotWorker = new Worker<HotJobData>(
    queueNames.hot,
    activity.trackHot(createHotProcessor(summarizer, meter)),
    {
      ...workerOptions,
      concurrency: config.NIGHTSHIFT_HOT_CONCURRENCY,
    },
  );

  const documentEvents = new DocumentEventForwarder(client, store, config);
  let lane: ColdLaneController | undefined;
  const coldProcessor = createColdProcessor({
    store,
    deleteBlobs: (keys) => blobs.delete(keys),
    summarizer,
    shouldYield: () => lane?.shouldYield() ?? false,
    logger,
    meter,
    onModelUsed: (model) => activity.coldModels.add(model),
    fairShare: new FairShare({
      redis: commands,
      modelGroups: config.NIGHTSHIFT_MODEL_GROUPS,
      roundLength: config.NIGHTSHIFT_MODEL_ROUND,
    }),
    onDocumentFinished: (batchId, result) => documentEvents.forward(batchId, result),
  });
  let tracked: typeof coldProcessor = coldProcessor;
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
    resultTtlMs: durationMs(config.NIGHTSHIFT_RESULT_TTL),
  });
  const deadlines = new DeadlineWatch({
    store,
    stopper: expirer,
    coldQueue,
    coldSlots: config.NIGHTSHIFT_COLD_CONCURRENCY,
    averageColdMs: () => lane?.averageColdMs() ?? 30_000,
    logger,
  });
  lane = new ColdLaneController({
    coldWorker,
    hotQueue,
    hotRunning: () => activity.hotRunning,
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
        await unloadColdOnlyModels(activity, config.OLLAMA_HOST, logger);
      }
    },
  });
  tracked = lane.track(coldProcessor);
  activity.onHotStart = () => lane?.noteHotActivity();
  await lane.start();
  deadlines.start();
  endings.start();
  const workerId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const gauges = startWorkerGauges({
    recorder: meter.recorder,
    worker: workerId,
    snapshot: () => (lane as ColdLaneController).snapshot(),
  });
  const status = new StatusPublisher({
    registry: new FleetRegistry({ redis: client }),
    lane,
    activity,
    id: workerId,
    provider: () => backend.provider(),
    probeKind: probe.kind,
    windowSpec: config.NIGHTSHIFT_COLD_WINDOWS,
    timeZone: config.NIGHTSHIFT_TZ,
    hotSlots: config.NIGHTSHIFT_HOT_CONCURRENCY,
    coldSlots: config.NIGHTSHIFT_COLD_CONCURRENCY,
    ...(config.NIGHTSHIFT_PROVIDER === 'ollama' || config.NIGHTSHIFT_PROVIDER === 'auto'
      ? {
          // In auto mode only while Ollama serves: no /api/ps calls to a server that is gone.
          loadedModels: async () =>
            backend.provider() === 'ollama'
              ? (await listLoadedModels(config.OLLAMA_HOST)).map((m) => m.name)
              : [],
        }
      : {}),
  });
  await status.start();

  for (const [name, worker] of [
    ['hot', hotWorker],
    ['cold', coldWorker],
  ] as const) {
    worker.on('error', (error) => logger.error({ lane: name, err: error.message }, 'worker error'));
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
  logger.info(
    { host: hostname(), windows: config.NIGHTSHIFT_COLD_WINDOWS, tz: config.NIGHTSHIFT_TZ },
    'worker running',
  );

  return {
    lane,
    deadlines,
    endings,
    async stop() {
      await status.stop();
      await gauges.stop();
      deadlines.stop();
      await lane?.stop();
      // Active jobs finish (or yield at their next chunk boundary: the lane now says so).
      await Promise.all([hotWorker.close(), coldWorker.close(), endings.stop()]);
      await meter.close();
      await Promise.all([
        hotQueue.close(),
        coldQueue.close(),
        expirer.close(),
        documentEvents.close(),
        finalOutbox.close(),
      ]);
      client.disconnect();
      commands.disconnect();
      blocking.disconnect();
    },
  };
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
