export type { components, operations, paths } from './generated/api-types.ts';
export {
  type Batch,
  type BatchList,
  type BatchUpload,
  batchUploadForm,
  type CreateBatch,
  createNightshiftClient,
  type Delivery,
  type DocumentResult,
  type NightshiftClient,
  type NightshiftClientOptions,
  type Problem,
  type Schedule,
  type Summary,
  uploadBatch,
} from './nightshift-client.ts';
export {
  type NightshiftWebhookEvent,
  type VerifyWebhookOptions,
  verifyWebhook,
  WebhookVerificationError,
} from './webhook-verification.ts';
