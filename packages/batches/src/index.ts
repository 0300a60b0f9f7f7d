export {
  type BatchEnded,
  type BatchEventMap,
  type BatchEventStage,
  BatchEvents,
  type BatchEventsOptions,
  type BatchSubscription,
} from './batch-events.ts';
export { coldJobId } from './batch-gates.ts';
export type { DocumentStart, GpuCharge } from './batch-record.ts';
export { BatchStopper, type BatchStopperOptions } from './batch-stopper.ts';
export {
  BatchStore,
  type BatchStoreOptions,
  type GpuCharges,
  type NewBatchRecord,
  type StoredBatch,
} from './batch-store.ts';
export {
  BatchSubmitter,
  type BatchSubmitterOptions,
  type SubmitBatchInput,
  type SubmittedDocument,
} from './batch-submitter.ts';
export type { ColdGrouping } from './cold-groups.ts';
export { ColdGroupRelease, type ColdGroupReleaseOptions } from './cold-release.ts';
export { blobKeyPrefix, DocumentBlobs, type DocumentBlobsOptions } from './document-blobs.ts';
export { FairShare, type FairShareOptions, type FairShareState } from './fair-share.ts';
export {
  enqueueFinalEvent,
  FinalEventRelay,
  type FinalEventRelayOptions,
  finalDeliveryId,
} from './final-events.ts';
export { pageOfIds } from './id-pages.ts';
export {
  StrandedDocuments,
  type StrandedDocumentsOptions,
  type StrandedOutcome,
  stalledTooOften,
} from './stranded-documents.ts';
export { type UnfinishedLimit, UnfinishedQuotaError } from './unfinished-quota.ts';
