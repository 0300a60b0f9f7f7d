export {
  anthropicMessagesCall,
  anthropicPromptText,
  estimateAnthropicTokens,
  speaksAnthropic,
} from './anthropic-surface.ts';
export {
  type AnthropicContentBlock,
  type AnthropicMessageParam,
  type AnthropicMessagesBody,
  type AnthropicPiece,
  type AnthropicStreamEvent,
  type AnthropicTool,
  type AnthropicToolChoice,
  anthropicUsage,
} from './anthropic-types.ts';
export type { AttemptLease, CallAccount, InteractiveLeases } from './attempt-lease.ts';
export {
  Gateway,
  type GatewayAnswer,
  type GatewayCall,
  type GatewayCallRecord,
  type GatewayOptions,
  type TokenUsage,
} from './gateway.ts';
export { GatewayError, type GatewayErrorKind, type GatewayErrorOptions } from './gateway-error.ts';
export { toGatewayError } from './gateway-failures.ts';
export { maxJsonDepth, nestsDeeperThan, tooDeepMessage } from './json-depth.ts';
export { isLocalFault, localFault } from './local-faults.ts';
export {
  type MediaUrlChecker,
  type MediaUrlCheckerOptions,
  type MediaUrlMode,
  MediaUrlPolicy,
  type MediaUrlPolicyOptions,
  type MediaUrlRef,
  type MediaUrlRefusal,
  mediaUrlsOf,
  type PublicUrlCheck,
} from './media-url-policy.ts';
export {
  type ColdPlaces,
  type GatewayProviderOptions,
  gatewayProvider,
} from './model-completions.ts';
export {
  type LoadedModel,
  OllamaHousekeeping,
  type OllamaHousekeepingOptions,
} from './ollama-housekeeping.ts';
export {
  checkOllamaImages,
  isBase64Image,
  ollamaLoadAnswer,
  ollamaUpstreamBody,
  perRequestOllamaOptions,
} from './ollama-request.ts';
export { type OllamaBody, ollamaEmbedCall, ollamaGenerationCall } from './ollama-surface.ts';
export { openAiChatPassthroughCall, type SsePiece } from './openai-passthrough.ts';
export {
  contentText,
  isUnrequestedUsageChunk,
  type OpenAiChatBody,
  type OpenAiCompletionsBody,
  type OpenAiEmbeddingsBody,
  openAiChatCall,
  openAiCompletionsCall,
  openAiEmbeddingsCall,
} from './openai-surface.ts';
export { publicGatewayError, withoutAddresses } from './public-errors.ts';
export {
  embeddingInputCount,
  maxBatchEmbeddingInputs,
  maxChoices,
  maxEmbeddingInputs,
  type OutputAsk,
  outputTokensProblem,
  promptCount,
} from './request-limits.ts';
export {
  type ResponseContext,
  responseContext,
  responseFromChat,
} from './responses-output.ts';
export { type ResponsesBody, responsesChatBody } from './responses-request.ts';
export {
  type ResponsesEvent,
  ResponsesStreamTranslator,
  responsesEvents,
} from './responses-stream.ts';
export { openAiResponsesCall } from './responses-surface.ts';
export { UpstreamClients, type UpstreamClientsOptions } from './upstream-clients.ts';
export {
  type UpstreamHealth,
  type UpstreamLoad,
  UpstreamPool,
  type UpstreamPoolOptions,
} from './upstream-pool.ts';
export { configuredUpstreams, type UpstreamWiringConfig } from './upstream-wiring.ts';
export {
  fallbacksFrom,
  type Upstream,
  type UpstreamConfig,
  upstreamsFrom,
} from './upstreams.ts';
