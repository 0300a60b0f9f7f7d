import { keyPrefix, queueNames, type WebhookJobData } from '@nightshift/core';
import { currentTraceparent, inChildSpan } from '@nightshift/telemetry';
import {
  type AttemptOutcome,
  type DeliveryAttempt,
  type DeliveryLog,
  deliverWebhook,
  signWebhook,
  WebhookRetryError,
  webhookBackoffStrategy,
} from '@nightshift/webhooks';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { type Job, type Telemetry, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Dispatcher } from 'undici';

/** Options of {@link createWebhookSender}. */
export interface WebhookSenderOptions {
  /** Blocking connection (maxRetriesPerRequest: null). */
  connection: Redis;
  deliveries: DeliveryLog;
  /** Signing secrets of a tenant (`whsec_…`), newest first; two during a rotation's overlap. */
  secretsFor: (tenant: string) => Promise<string[]>;
  /** Retry delays in ms; entry i is the wait after failed attempt i. */
  schedule: number[];
  /** Per-attempt timeout. */
  timeoutMs: number;
  /** undici dispatcher with the connect-time SSRF check. */
  dispatcher: Dispatcher;
  /** Parallel deliveries. Default 32. */
  concurrency?: number;
  /** Jitter of the retry delays as a fraction (0.1 = ±10 %). Default 0.1. */
  jitter?: number;
  /** BullMQ lock of a job; a killed notifier's delivery is retried after it. Default 30 s. */
  lockMs?: number;
  /** How often BullMQ looks for jobs whose lock expired. Default 30 s. */
  stalledIntervalMs?: number;
  /** Hears the outcome of each attempt that was sent (metrics); not awaited. */
  onAttempt?: (outcome: AttemptOutcome) => unknown;
  /** Hears each delivery that ends `failed`, a dead letter (metrics); not awaited. */
  onDeadLetter?: () => unknown;
  /**
   * BullMQ's telemetry hook (`startTracing(...).queues`): each delivery joins the trace it was
   * queued in (a batch's final event: the batch's submission).
   */
  queueTelemetry?: Telemetry | undefined;
}

/**
 * Consumes the `webhooks` queue: signs each event per Standard Webhooks and POSTs it. Retries
 * ride on BullMQ: a failed attempt throws `WebhookRetryError` and the custom backoff strategy
 * picks the next delay (honouring `Retry-After`); 410 and SSRF refusals are `UnrecoverableError`.
 * The job id is the `webhook-id`, so every retry of one event carries the same id.
 *
 * A 410 disables the URL for the tenant: later deliveries to it end `gone` without being sent
 * (logged with the error `url_disabled`), until the tenant retries one of them explicitly.
 *
 * @example
 * const sender = createWebhookSender({ connection, deliveries, secretsFor, schedule, timeoutMs, dispatcher });
 */
export function createWebhookSender(options: WebhookSenderOptions): Worker<WebhookJobData> {
  const { deliveries } = options;
  const worker = new Worker<WebhookJobData>(
    queueNames.webhooks,
    async (job) => {
      const { deliveryId, tenant, url, body } = job.data;
      const [secrets, disabled] = await Promise.all([
        options.secretsFor(tenant),
        deliveries.disabledUrl(tenant, url),
      ]);
      if (disabled) {
        const error = `url_disabled: ${url} answered 410 at ${disabled.at} (delivery ${disabled.deliveryId})`;
        await deliveries.recordAttempt(deliveryId, skipped(url, error), { settle: 'gone', tenant });
        return { skipped: 'url_disabled' };
      }
      if (secrets.length === 0) {
        await deliveries.recordAttempt(deliveryId, skipped(url, 'no signing secret configured'), {
          settle: 'failed',
          tenant,
        });
        void options.onDeadLetter?.();
        throw new UnrecoverableError('no webhook signing secret for this tenant');
      }
      const headers = signWebhook({ secrets, id: deliveryId, timestamp: new Date(), body });
      const outcome = await sendTraced(url, job, () => ({
        url,
        body,
        headers: tracedHeaders(headers),
        timeoutMs: options.timeoutMs,
        dispatcher: options.dispatcher,
      }));
      void options.onAttempt?.(outcome);
      const attempt = toAttempt(url, outcome);
      switch (outcome.decision) {
        case 'delivered':
          await deliveries.recordAttempt(deliveryId, attempt, { settle: 'delivered', tenant });
          return { status: outcome.status };
        case 'gone':
          await deliveries.disableUrl(tenant, url, deliveryId);
          await deliveries.recordAttempt(deliveryId, attempt, { settle: 'gone', tenant });
          throw new UnrecoverableError('receiver answered 410 Gone: URL disabled for this tenant');
        case 'refused':
          await deliveries.recordAttempt(deliveryId, attempt, { settle: 'failed', tenant });
          void options.onDeadLetter?.();
          throw new UnrecoverableError(`refused: ${outcome.error ?? 'blocked address'}`);
        default: {
          const last = isLastAttempt(job, options.schedule);
          await deliveries.recordAttempt(
            deliveryId,
            attempt,
            last ? { settle: 'failed', tenant } : undefined,
          );
          if (last) void options.onDeadLetter?.();
          throw WebhookRetryError.fromOutcome(outcome);
        }
      }
    },
    {
      connection: options.connection,
      prefix: keyPrefix,
      concurrency: options.concurrency ?? 32,
      // A notifier killed mid-delivery leaves a stalled job; send it again rather than give up.
      maxStalledCount: 10,
      ...(options.lockMs ? { lockDuration: options.lockMs } : {}),
      ...(options.stalledIntervalMs ? { stalledInterval: options.stalledIntervalMs } : {}),
      ...(options.queueTelemetry ? { telemetry: options.queueTelemetry } : {}),
      settings: {
        backoffStrategy: webhookBackoffStrategy(options.schedule, {
          ...(options.jitter === undefined ? {} : { jitter: options.jitter }),
        }),
      },
    },
  );
  // Whatever ends a job for good without the processor settling it (stalled too often, a crash
  // between attempt and log) still leaves a dead letter rather than a delivery pending for ever.
  worker.on('failed', (job) => {
    if (!job?.finishedOn) return;
    void deliveries
      .get(job.data.deliveryId)
      .then((d) =>
        d?.state === 'pending'
          ? deliveries
              .settle(job.data.deliveryId, 'failed', job.data.tenant)
              .then(() => options.onDeadLetter?.())
          : undefined,
      )
      .catch(() => {});
  });
  return worker;
}

/**
 * One attempt as a client span `POST` (inside a traced delivery): the receiver's host, the
 * attempt number, the status and what became of it; a failed attempt marks the span failed.
 */
function sendTraced(
  url: string,
  job: Job<WebhookJobData>,
  request: () => Parameters<typeof deliverWebhook>[0],
): Promise<AttemptOutcome> {
  return inChildSpan(
    'POST',
    () => ({
      'http.request.method': 'POST',
      'server.address': URL.canParse(url) ? new URL(url).hostname : url,
      'nightshift.delivery.id': job.data.deliveryId,
      'nightshift.batch.id': job.data.batchId,
      'nightshift.delivery.attempt': job.attemptsMade + 1,
    }),
    { kind: SpanKind.CLIENT },
    async (span) => {
      const outcome = await deliverWebhook(request());
      if (outcome.status !== undefined)
        span?.setAttribute('http.response.status_code', outcome.status);
      span?.setAttribute('nightshift.delivery.decision', outcome.decision);
      if (outcome.decision !== 'delivered') {
        span?.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error ?? outcome.decision });
      }
      return outcome;
    },
  );
}

/** The signed headers plus the attempt's `traceparent`, so a traced receiver continues the trace. */
function tracedHeaders(signed: Record<string, string>): Record<string, string> {
  const traceparent = currentTraceparent();
  return traceparent ? { ...signed, traceparent } : { ...signed };
}

// After this attempt fails, BullMQ retries only if attempts remain and the schedule has a
// next delay (the backoff strategy answers -1 past its end).
function isLastAttempt(job: Job, schedule: readonly number[]): boolean {
  const attempts = job.opts.attempts ?? 1;
  return job.attemptsMade + 1 >= attempts || schedule[job.attemptsMade + 1] === undefined;
}

function toAttempt(url: string, outcome: AttemptOutcome): DeliveryAttempt {
  return {
    at: new Date().toISOString(),
    url,
    status: outcome.status ?? null,
    durationMs: outcome.durationMs,
    error: outcome.error ?? null,
    response: outcome.responseSnippet ?? null,
  };
}

function skipped(url: string, error: string): DeliveryAttempt {
  return { at: new Date().toISOString(), url, status: null, durationMs: 0, error, response: null };
}
