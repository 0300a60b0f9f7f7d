export {
  Gateway,
  type GatewayAnswer,
  type GatewayCall,
  type GatewayCallRecord,
  type GatewayOptions,
  type InteractiveLeases,
  type TokenUsage,
} from './gateway.ts';
export { GatewayError, type GatewayErrorKind, type GatewayErrorOptions } from './gateway-error.ts';
export { toGatewayError } from './gateway-failures.ts';
export { type OllamaBody, ollamaEmbedCall, ollamaGenerationCall } from './ollama-surface.ts';
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
export { UpstreamClients, type UpstreamClientsOptions } from './upstream-clients.ts';
export { type UpstreamLoad, UpstreamPool, type UpstreamPoolOptions } from './upstream-pool.ts';
export { configuredUpstreams, type UpstreamWiringConfig } from './upstream-wiring.ts';
export {
  fallbacksFrom,
  type Upstream,
  type UpstreamConfig,
  upstreamsFrom,
} from './upstreams.ts';
