import {
  BatchEvents,
  BatchStore,
  BatchSubmitter,
  type BatchSubmitterOptions,
  DocumentBlobs,
  FairShare,
  FinalEventRelay,
} from '@nightshift/batches';
import { type Config, coldConcurrencyCap, durationMs } from '@nightshift/core';
import { FleetRegistry } from '@nightshift/fleet';
import type { MediaUrlPolicy } from '@nightshift/gateway';
import { InteractiveTraffic } from '@nightshift/lanes';
import { MetricsRecorder, UsageLedger } from '@nightshift/metrics';
import { AnthropicBatches, OpenAiBatches, OpenAiFileStore } from '@nightshift/openai-batches';
import { checkRedisPolicy, isRedisUnreachable, RedisOutageLog } from '@nightshift/redis';
import { ScheduleStore } from '@nightshift/schedules';
import { ApiKeyStore, TenantQuotaStore } from '@nightshift/tenants';
import {
  attemptsForSchedule,
  DeliveryLog,
  parseRetrySchedule,
  WEBHOOK_BACKOFF_TYPE,
  WebhookOutbox,
  WebhookSecretStore,
} from '@nightshift/webhooks';
import type { Redis } from 'ioredis';
import { GpuAccounting } from './gpu-accounting.ts';
import { mediaUrlPolicy } from './media-urls.ts';
import { RedisConnections } from './redis-connections.ts';

/** Slots assumed per worker when cold groups are planned and the lane tunes its own concurrency. */
const TUNED_GROUPING_SLOTS = 16;

/** The few logger methods the services use (pino fits). */
export interface ServicesLogger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

/** Options of {@link createServices}. */
export interface ServicesOptions {
  /**
   * Per-document calls (batch store, fair-share clock) on a third, auto-pipelined connection.
   * Meant for the worker, whose many concurrent jobs make them; default false.
   */
  pipelinedCommands?: boolean;
  /** Where the final-event relay says what it did; silent when absent. */
  logger?: ServicesLogger;
  /**
   * BullMQ's telemetry hook (`startTracing(...).queues`) for the queues built here (batch
   * submission, webhook outbox): their jobs carry the trace they were queued in.
   */
  queueTelemetry?: BatchSubmitterOptions['queueTelemetry'];
}

/** The webhook parts the API serves: delivery log, replay outbox, per-tenant secrets. */
export interface WebhookServices {
  deliveries: DeliveryLog;
  outbox: WebhookOutbox;
  secrets: WebhookSecretStore;
}

/**
 * Builds the shared services of any Nightshift process from the configuration contract.
 * Nothing is built (and no connection opened) until a process asks for it.
 *
 * @example
 * const services = createServices(config, { logger });
 * await services.checkRedis();
 * const app = createApp({ store: services.batchStore, submitter: services.batchSubmitter, ... });
 * await services.close();
 */
export function createServices(config: Config, options: ServicesOptions = {}): Services {
  return new Services(config, options);
}

/**
 * One process's shared services, built lazily from the configuration, each once. A batch this
 * process ends (last document recorded, cancel of waiting documents, every document failing at
 * intake) emits `batch.ended` on {@link batchEvents}: its effects run, then its final
 * `batch.*` event is queued at once through {@link finalEvents}.
 * {@link close} closes everything built, BullMQ handles before the connections they use, once.
 */
export class Services {
  readonly config: Config;
  /** How long finished batches, results, blobs and deliveries stay readable. */
  readonly resultTtlMs: number;
  /** The Redis connections, opened on first use. */
  readonly redis: RedisConnections;
  /**
   * Redis outages as a few log lines (unreachable, reconnected). Every connection of
   * {@link redis} reports to it; give each BullMQ object built outside the services
   * `on('error', redisOutages.listener(name))`, or BullMQ prints each error with its stack.
   */
  readonly redisOutages: RedisOutageLog;
  /** BullMQ's telemetry hook for the workers and queues a process builds; undefined: untraced. */
  readonly queueTelemetry: ServicesOptions['queueTelemetry'];
  readonly #logger: ServicesLogger | undefined;
  #batchEvents: BatchEvents | undefined;
  #batchStore: BatchStore | undefined;
  #fairShare: FairShare | undefined;
  #batchSubmitter: BatchSubmitter | undefined;
  #deliveryLog: DeliveryLog | undefined;
  #webhookOutbox: WebhookOutbox | undefined;
  #webhookSecrets: WebhookSecretStore | undefined;
  #finalEvents: FinalEventRelay | undefined;
  #documentBlobs: DocumentBlobs | undefined;
  #openAiFiles: OpenAiFileStore | undefined;
  #openAiBatches: OpenAiBatches | undefined;
  #anthropicBatches: AnthropicBatches | undefined;
  #mediaUrls: MediaUrlPolicy | undefined;
  #metricsRecorder: MetricsRecorder | undefined;
  #usageLedger: UsageLedger | undefined;
  #gpuAccounting: GpuAccounting | undefined;
  #fleet: FleetRegistry | undefined;
  #interactiveTraffic: InteractiveTraffic | undefined;
  #apiKeys: ApiKeyStore | undefined;
  #tenantQuotas: TenantQuotaStore | undefined;
  #schedules: ScheduleStore | undefined;
  #closing: Promise<void> | undefined;

  constructor(config: Config, options: ServicesOptions = {}) {
    if (!config.REDIS_URL) throw new Error('REDIS_URL is required');
    this.config = config;
    this.resultTtlMs = durationMs(config.NIGHTSHIFT_RESULT_TTL);
    this.redisOutages = new RedisOutageLog(options.logger ? { logger: options.logger } : {});
    this.redis = new RedisConnections(config.REDIS_URL, {
      pipelinedCommands: options.pipelinedCommands ?? false,
      outages: this.redisOutages,
    });
    this.#logger = options.logger;
    this.queueTelemetry = options.queueTelemetry;
  }

  /** Shorthand for `redis.client`: commands only, never blocking. */
  get client(): Redis {
    return this.redis.client;
  }

  /**
   * Refuses a Redis that could evict keys (`RedisPolicyError`); answers the warning to log
   * when the policy could not be read (managed Redis that forbids CONFIG).
   */
  async checkRedis(): Promise<string | undefined> {
    return (await checkRedisPolicy(this.client)).warning;
  }

  /**
   * The batch engine's lifecycle events, with this process's subscribers to `batch.ended`:
   * an OpenAI-compatible batch's result files and a Message Batch's cleanup (effects), then its
   * final webhook event (announce), so whoever the event reaches finds the files written.
   */
  get batchEvents(): BatchEvents {
    if (this.#batchEvents) return this.#batchEvents;
    const events = new BatchEvents();
    this.#batchEvents = events;
    events.on('batch.ended', (e) => this.#writeResultFiles(e.batchId), { name: 'openai files' });
    events.on('batch.ended', (e) => this.#dropMessageBatchRequests(e.batchId), {
      name: 'message batch requests',
    });
    events.on('batch.ended', (e) => this.#relayFinalEvent(e.batchId), {
      stage: 'announce',
      name: 'final event',
    });
    return events;
  }

  /** Every batch's record; its final step emits `batch.ended` on {@link batchEvents}. */
  get batchStore(): BatchStore {
    this.#batchStore ??= new BatchStore({
      redis: this.redis.commands,
      resultTtlMs: this.resultTtlMs,
      events: this.batchEvents,
      charges: this.gpuAccounting.store,
    });
    return this.#batchStore;
  }

  /** The fair cold order (`NIGHTSHIFT_MODEL_GROUPS`, `NIGHTSHIFT_MODEL_ROUND`). */
  get fairShare(): FairShare {
    this.#fairShare ??= new FairShare({
      redis: this.redis.commands,
      modelGroups: this.config.NIGHTSHIFT_MODEL_GROUPS,
      roundLength: this.config.NIGHTSHIFT_MODEL_ROUND,
    });
    return this.#fairShare;
  }

  /** Queues batches: fair-share priorities, grouped cold jobs, configured attempts. */
  get batchSubmitter(): BatchSubmitter {
    this.#batchSubmitter ??= new BatchSubmitter({
      connection: this.client,
      store: this.batchStore,
      attempts: this.config.NIGHTSHIFT_JOB_ATTEMPTS,
      resultTtlMs: this.resultTtlMs,
      // Groups keep every slot fed. A tuned lane's slots are known only while it runs; a GPU
      // server batching tens of sequences is what it typically settles at.
      grouping: {
        maxPerJob: this.config.NIGHTSHIFT_COLD_GROUP_MAX,
        slots: Math.min(coldConcurrencyCap(this.config), TUNED_GROUPING_SLOTS),
      },
      priorityFor: this.fairShare.priorityFor,
      queueTelemetry: this.queueTelemetry,
      onError: this.redisOutages.listener('batch submitter'),
    });
    return this.#batchSubmitter;
  }

  /** `NIGHTSHIFT_WEBHOOK_RETRY_SCHEDULE`, parsed: the delays between delivery attempts. */
  get webhookRetrySchedule() {
    return parseRetrySchedule(this.config.NIGHTSHIFT_WEBHOOK_RETRY_SCHEDULE);
  }

  /** Every webhook delivery and its attempts. */
  get deliveryLog(): DeliveryLog {
    this.#deliveryLog ??= new DeliveryLog(this.client, this.resultTtlMs);
    return this.#deliveryLog;
  }

  /** Where webhook events are queued for the notifiers, with their retry schedule. */
  get webhookOutbox(): WebhookOutbox {
    this.#webhookOutbox ??= new WebhookOutbox({
      connection: this.client,
      deliveries: this.deliveryLog,
      attempts: attemptsForSchedule(this.webhookRetrySchedule),
      backoffType: WEBHOOK_BACKOFF_TYPE,
      keepMs: this.resultTtlMs,
      queueTelemetry: this.queueTelemetry,
    });
    this.#webhookOutbox.queue.on('error', this.redisOutages.listener('webhook outbox'));
    return this.#webhookOutbox;
  }

  /** Per-tenant signing secrets over `NIGHTSHIFT_WEBHOOK_SECRET`. */
  get webhookSecrets(): WebhookSecretStore {
    this.#webhookSecrets ??= new WebhookSecretStore({
      redis: this.client,
      defaultSecret: this.config.NIGHTSHIFT_WEBHOOK_SECRET,
    });
    return this.#webhookSecrets;
  }

  /** The webhook parts in the shape the API's `createApp` takes. */
  get webhooks(): WebhookServices {
    return {
      deliveries: this.deliveryLog,
      outbox: this.webhookOutbox,
      secrets: this.webhookSecrets,
    };
  }

  /** Queues the final `batch.*` event of ended batches (and sweeps those left pending). */
  get finalEvents(): FinalEventRelay {
    this.#finalEvents ??= new FinalEventRelay({
      redis: this.client,
      store: this.batchStore,
      outbox: this.webhookOutbox,
      events: this.batchEvents,
    });
    return this.#finalEvents;
  }

  /** Uploaded document contents, kept for the result TTL. */
  get documentBlobs(): DocumentBlobs {
    this.#documentBlobs ??= new DocumentBlobs({ redis: this.client, ttlMs: this.resultTtlMs });
    return this.#documentBlobs;
  }

  /** Files of `/openai/v1/files` (batch input and result files); they last `NIGHTSHIFT_RESULT_TTL`. */
  get openAiFiles(): OpenAiFileStore {
    this.#openAiFiles ??= new OpenAiFileStore({
      redis: this.client,
      ttlMs: this.resultTtlMs,
      pendingTtlMs: this.config.NIGHTSHIFT_OPENAI_UPLOAD_PENDING_TTL_S * 1000,
    });
    return this.#openAiFiles;
  }

  /** OpenAI-compatible batches, run as native batches (`NIGHTSHIFT_OPENAI_BATCH_MAX_LINES`). */
  get openAiBatches(): OpenAiBatches {
    this.#openAiBatches ??= new OpenAiBatches({
      redis: this.client,
      files: this.openAiFiles,
      store: this.batchStore,
      submitter: this.batchSubmitter,
      resultTtlMs: this.resultTtlMs,
      maxLines: this.config.NIGHTSHIFT_OPENAI_BATCH_MAX_LINES,
      mediaUrls: this.mediaUrls,
    });
    return this.#openAiBatches;
  }

  /**
   * Anthropic's Message Batches, run as native batches whose requests are stored as a file
   * (`NIGHTSHIFT_OPENAI_BATCH_MAX_LINES` requests at most, like an OpenAI batch).
   */
  get anthropicBatches(): AnthropicBatches {
    this.#anthropicBatches ??= new AnthropicBatches({
      redis: this.client,
      files: this.openAiFiles,
      store: this.batchStore,
      submitter: this.batchSubmitter,
      resultTtlMs: this.resultTtlMs,
      maxRequests: this.config.NIGHTSHIFT_OPENAI_BATCH_MAX_LINES,
      mediaUrls: this.mediaUrls,
    });
    return this.#anthropicBatches;
  }

  /** What media URLs chat bodies and batch lines may send the model server (`NIGHTSHIFT_MEDIA_URLS`). */
  get mediaUrls(): MediaUrlPolicy {
    this.#mediaUrls ??= mediaUrlPolicy(this.config);
    return this.#mediaUrls;
  }

  /** Counters and histograms of `/metrics`. */
  get metricsRecorder(): MetricsRecorder {
    this.#metricsRecorder ??= new MetricsRecorder({ redis: this.client });
    return this.#metricsRecorder;
  }

  /** Per-tenant usage by day. */
  /**
   * GPU time and energy: the ledger every model call of this process is accounted on (its
   * bookings go to the usage ledger and `/metrics`), and the readers of what was charged.
   */
  get gpuAccounting(): GpuAccounting {
    this.#gpuAccounting ??= new GpuAccounting({
      redis: this.client,
      maxCallMs: (this.config.NIGHTSHIFT_GATEWAY_TOTAL_TIMEOUT_S + 10) * 1000,
      // Redis away: the outage log says so once, not every call and heartbeat.
      onError: (error) => {
        if (!isRedisUnreachable(error))
          this.#logger?.warn({ err: error.message }, 'GPU accounting not recorded');
      },
    });
    return this.#gpuAccounting;
  }

  get usageLedger(): UsageLedger {
    this.#usageLedger ??= new UsageLedger({ redis: this.client });
    return this.#usageLedger;
  }

  /** Live workers, as they publish themselves. */
  get fleet(): FleetRegistry {
    this.#fleet ??= new FleetRegistry({ redis: this.client });
    return this.#fleet;
  }

  /**
   * Interactive calls in flight across every API replica (the gateway records them) and the
   * models they used lately; workers yield their cold lane to them and keep those models loaded.
   */
  get interactiveTraffic(): InteractiveTraffic {
    this.#interactiveTraffic ??= new InteractiveTraffic({ redis: this.client });
    return this.#interactiveTraffic;
  }

  /** Managed API keys. */
  get apiKeys(): ApiKeyStore {
    this.#apiKeys ??= new ApiKeyStore({ redis: this.client });
    return this.#apiKeys;
  }

  /** Per-tenant quota overrides. */
  get tenantQuotas(): TenantQuotaStore {
    this.#tenantQuotas ??= new TenantQuotaStore({ redis: this.client });
    return this.#tenantQuotas;
  }

  /** Night-batch schedules and their runs. */
  get schedules(): ScheduleStore {
    this.#schedules ??= new ScheduleStore({ redis: this.client });
    return this.#schedules;
  }

  /**
   * Closes what was built: BullMQ handles first (their commands in flight finish), then the
   * connections. Idempotent; every call answers the same promise.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    try {
      await Promise.all([
        this.#batchSubmitter?.close(),
        this.#webhookOutbox?.close(),
        this.#gpuAccounting?.close(),
      ]);
    } finally {
      this.redis.disconnect();
    }
  }

  /**
   * An OpenAI-compatible batch gets its output and error files before its final event; a
   * failure leaves that to the next read (`OpenAiBatches.get`).
   */
  async #writeResultFiles(batchId: string): Promise<void> {
    try {
      await this.openAiBatches.finalizeIfOpenAi(batchId);
    } catch (error) {
      this.#logger?.warn(
        { batchId, err: (error as Error).message },
        'result files not written; the next read will',
      );
    }
  }

  /** A Message Batch's stored requests go at once: their room in the quota comes back. */
  async #dropMessageBatchRequests(batchId: string): Promise<void> {
    try {
      await this.anthropicBatches.ended(batchId);
    } catch (error) {
      this.#logger?.warn(
        { batchId, err: (error as Error).message },
        'message batch requests not deleted; the next read will',
      );
    }
  }

  async #relayFinalEvent(batchId: string): Promise<void> {
    try {
      const deliveryId = await this.finalEvents.relay(batchId);
      this.#logger?.info({ batchId, deliveryId }, 'batch ended');
    } catch (error) {
      // The mark stays pending in Redis: a worker's sweep (relayPending) queues it later.
      this.#logger?.warn(
        { batchId, err: (error as Error).message },
        'final event not queued; the sweep will',
      );
    }
  }
}
