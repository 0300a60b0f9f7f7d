export {
  type AddressPolicyOptions,
  type AddressVerdict,
  classifyAddress,
} from './address-policy.ts';
export { batchEvent, type WebhookEvent } from './batch-event.ts';
export {
  type AttemptDecision,
  type AttemptOutcome,
  type DeliverWebhookOptions,
  deliverWebhook,
} from './deliver.ts';
export {
  type Delivery,
  type DeliveryAttempt,
  DeliveryLog,
  type DeliveryState,
  type DisabledUrl,
  type NewDelivery,
} from './delivery-log.ts';
export {
  type DocumentEventInput,
  documentDeliveryId,
  enqueueDocumentEvent,
} from './document-events.ts';
export { parseRetryAfter } from './retry-after.ts';
export {
  attemptsForSchedule,
  type BackoffOptions,
  DEFAULT_RETRY_SCHEDULE,
  parseRetrySchedule,
  WEBHOOK_BACKOFF_TYPE,
  WebhookRetryError,
  webhookBackoffStrategy,
} from './retry-schedule.ts';
export {
  createSafeDispatcher,
  type SafeDispatcherOptions,
  SsrfBlockedError,
} from './safe-dispatcher.ts';
export {
  generateWebhookSecret,
  newWebhookId,
  type SignWebhookOptions,
  signWebhook,
  type WebhookHeaders,
} from './signing.ts';
export {
  type CheckWebhookUrlOptions,
  checkWebhookUrl,
  type LookupAll,
  type UrlCheckResult,
  type UrlRefusalReason,
} from './url-check.ts';
export {
  type OutgoingEvent,
  type RedeliverResult,
  WebhookOutbox,
  type WebhookOutboxOptions,
} from './webhook-outbox.ts';
export {
  type RotatedSecret,
  type WebhookSecretInfo,
  WebhookSecretStore,
  type WebhookSecretStoreOptions,
} from './webhook-secrets.ts';
