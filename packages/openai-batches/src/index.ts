export {
  type AnthropicBatchEndpoint,
  anthropicBatchEndpoint,
  InvalidMessageBatchError,
  type MessageBatchRequest,
} from './anthropic-batch-input.ts';
export { runAnthropicBatchRequest } from './anthropic-batch-runner.ts';
export {
  type AnthropicBatchObject,
  messageBatchIdPattern,
  toAnthropicBatch,
} from './anthropic-batch-view.ts';
export {
  AnthropicBatches,
  type AnthropicBatchesOptions,
  type CreateAnthropicBatch,
  type MessageBatchResults,
} from './anthropic-batches.ts';
export { type AnthropicErrorType, anthropicErrorBody } from './anthropic-result-lines.ts';
export {
  type BatchEndpoint,
  type BatchInputCheck,
  type BatchInputError,
  type BatchInputLimits,
  type BatchRequestLine,
  batchEndpoints,
  validateBatchInput,
} from './batch-input-validation.ts';
export {
  type BatchRequestAnswer,
  type BatchRequestContext,
  RetryableRequestError,
  runBatchRequest,
} from './batch-request-runner.ts';
export { FileTooLargeError, type UploadLimits } from './chunked-upload.ts';
export {
  type StorageQuota,
  StorageQuotaError,
  type StorageUsage,
} from './file-storage-ledger.ts';
export { type JsonlLine, jsonlLines } from './jsonl-lines.ts';
export type { OpenAiBatchObject, OpenAiBatchStatus } from './openai-batch-view.ts';
export {
  type CreateOpenAiBatch,
  InputFileError,
  OpenAiBatches,
  type OpenAiBatchesOptions,
} from './openai-batches.ts';
export {
  type OpenAiFileObject,
  type OpenAiFilePurpose,
  OpenAiFileStore,
  type OpenAiFileStoreOptions,
  type StoredOpenAiFile,
} from './openai-file-store.ts';
export {
  ResponseBounds,
  type ResponseBoundsOptions,
  type ResponseRefusal,
} from './response-bounds.ts';
export { isOutputLine, requestIds, resultLine } from './result-lines.ts';
