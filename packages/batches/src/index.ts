export {
  BatchStore,
  type BatchStoreOptions,
  type NewBatchRecord,
  type StoredBatch,
} from './batch-store.ts';
export {
  BatchSubmitter,
  type BatchSubmitterOptions,
  coldJobId,
  type SubmitBatchInput,
  type SubmittedDocument,
} from './batch-submitter.ts';
export { type Delivery, type DeliveryAttempt, DeliveryLog } from './delivery-log.ts';
