import { ColdPlaceLeases } from '@nightshift/lanes';
import { WorkMeter } from '@nightshift/metrics';
import { isRedisUnreachable } from '@nightshift/redis';
import type { Services } from '@nightshift/services';
import type { Logger } from 'pino';
import { DocumentSummarizer } from './document-summarizer.ts';
import { type SummarizationBackend, summarizationBackend } from './model-chains.ts';
import { type WorkerModelLayer, workerModelLayer } from './model-layer.ts';

/** What the lanes summarize with, and the meter their work is counted on. */
export interface Summarization {
  /** Per-job counters, written in batches; close it after the lanes stop. */
  meter: WorkMeter;
  /**
   * The worker's one way to the model servers: summaries of both lanes and the request lines
   * of OpenAI-compatible batches; close it after the lanes stop.
   */
  layer: WorkerModelLayer;
  /** The provider chain (`NIGHTSHIFT_PROVIDER`), possibly switching at run time (`auto`). */
  backend: SummarizationBackend;
  /** The hot lane's summarizer: a full GPU makes it fall back to a smaller model. */
  summarizer: DocumentSummarizer;
  /** The cold lane's: a full GPU makes its document wait (and retry) for its own model. */
  coldSummarizer: DocumentSummarizer;
  /**
   * Calls `listener` whenever a model call answers out-of-memory or busy, on either lane: the
   * GPU is full, and the cold lane steps back at once.
   */
  onServerOverload(listener: () => void): void;
}

/**
 * Picks the summarization provider (waiting until it is ready), and builds the summarizer
 * over the document blobs with the configured context, output and document limits.
 *
 * @example
 * const { meter, backend, summarizer } = await startSummarization(services, logger);
 */
export async function startSummarization(
  services: Services,
  logger: Logger,
): Promise<Summarization> {
  const { config, documentBlobs } = services;
  const meter = new WorkMeter({
    redis: services.client,
    flushMs: config.NIGHTSHIFT_METRICS_FLUSH_MS,
    onError: (error) => logger.warn({ err: error.message }, 'metrics not recorded'),
  });
  // The provider chosen at start is logged below; only later switches are news.
  let started = false;
  const overloadListeners: Array<() => void> = [];
  // Read by the health hook, which can only fire once the backend exists (its calls do that).
  let backendOf: SummarizationBackend | undefined;
  let provider = '';
  const layer = workerModelLayer(config, {
    interactiveOn: (server) => services.interactiveTraffic.inFlight({ servers: [server] }),
    coldPlaces: new ColdPlaceLeases({ redis: services.client }),
    // The same ledger as the process's other calls: its bookings reach /v1/usage and /metrics.
    accounting: {
      ledger: services.gpuAccounting.ledger,
      redis: services.client,
      onError: (error) => {
        if (!isRedisUnreachable(error))
          logger.warn({ err: (error as Error).message }, 'GPU accounting not recorded');
      },
      onIdleEnergy: (server, joules) => services.gpuAccounting.idleEnergy(server, joules),
    },
    onFallback: ({ model, reason }) =>
      void meter.fallback({ model, provider: 'gateway', kind: reason }),
    onCapacityError: () => {
      for (const listener of overloadListeners) listener();
    },
    onHealthChange: (upstream, state) => {
      const now = backendOf?.provider();
      if (!started || now === undefined || now === provider) return;
      provider = now;
      logger.info(
        { provider: now, upstream: upstream.id, state },
        'summarization provider changed',
      );
    },
  });
  const backend = summarizationBackend(config, layer, {
    onFallback: (attempt) => void meter.fallback(attempt),
  });
  backendOf = backend;
  provider = await backend.ready();
  started = true;
  logger.info({ provider, model: config.NIGHTSHIFT_MODEL }, 'summarization provider');
  const summarizerFor = (lane: 'hot' | 'cold') =>
    new DocumentSummarizer({
      readBlob: (key) => documentBlobs.read(key),
      chainFor: (model) => backend.chainFor(model, lane),
      numCtx: config.NIGHTSHIFT_NUM_CTX,
      maxTokens: config.NIGHTSHIFT_MAX_TOKENS,
      documentLimits: {
        maxDocumentBytes: config.NIGHTSHIFT_MAX_DOCUMENT_BYTES,
        maxDecodedBytes: config.NIGHTSHIFT_PDF_MAX_DECODED_BYTES,
      },
    });
  const summarizer = summarizerFor('hot');
  const coldSummarizer = summarizerFor('cold');
  return {
    meter,
    layer,
    backend,
    summarizer,
    coldSummarizer,
    onServerOverload: (listener) => void overloadListeners.push(listener),
  };
}
