export { type ChunkOptions, chunkText } from './chunking.ts';
export {
  type BreakerOptions,
  type BreakerSnapshot,
  CircuitBreaker,
} from './circuit-breaker.ts';
export {
  classifyLlmError,
  fallbackKinds,
  isConnectFailure,
  LlmError,
  type LlmErrorKind,
  type LlmErrorOptions,
  statusOf as statusOfError,
  toLlmError,
} from './errors.ts';
export {
  createExtractiveProvider,
  type ExtractiveOptions,
  type ExtractiveProviderOptions,
  extractiveSummary,
} from './extractive.ts';
export {
  AllTargetsFailedError,
  type ChainAttempt,
  type ChainRequest,
  type ChainResult,
  type ChainTarget,
  createModelChain,
  type ModelChain,
  type ModelChainOptions,
} from './model-chain.ts';
export { ollamaModelName, sameModel } from './model-names.ts';
export { isCallTimeout, type OllamaCallLimits, ollamaFetch, targetOf } from './ollama-fetch.ts';
export {
  defaultMaxWords,
  type SummaryPromptOptions,
  type SummaryStage,
  summarySystemPrompt,
} from './prompts.ts';
export { stripReasoning } from './reasoning.ts';
export { splitParagraphs, splitSentences } from './sentences.ts';
export {
  type SummarizeOptions,
  type SummarizeResult,
  type SummaryCheckpoint,
  summarizeText,
  YieldRequestedError,
} from './summarize.ts';
export { countWords, estimateTokens } from './tokens.ts';
export { tracedProvider } from './traced-provider.ts';
export type {
  CallAccount,
  CompletionRequest,
  CompletionResult,
  LlmProvider,
  Usage,
} from './types.ts';
