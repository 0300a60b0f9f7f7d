export type { CachedProbeOptions, CachedVramProbe } from './cached-probe.ts';
export { cachedProbe } from './cached-probe.ts';
export type {
  ColdAdmission,
  ColdAdmissionInput,
  ColdAdmissionReason,
} from './cold-admission.ts';
export { coldAdmission } from './cold-admission.ts';
export type { ColdWindowSpan } from './cold-window-spans.ts';
export { coldWindowSpans } from './cold-window-spans.ts';
export type { ColdWindowState } from './cold-window-state.ts';
export { coldWindowState } from './cold-window-state.ts';
export type { ColdWindowRange, ColdWindows } from './cold-windows.ts';
export {
  ColdWindowSpecError,
  coverage,
  parseColdWindows,
  windowCronExpressions,
} from './cold-windows.ts';
export type { HotAdmission, HotAdmissionInput, HotAdmissionReason } from './hot-admission.ts';
export { hotAdmission } from './hot-admission.ts';
export { createNoneProbe } from './none-probe.ts';
export type { GpuSelection, NvidiaSmiParseResult } from './nvidia-smi-csv.ts';
export { NVIDIA_SMI_QUERY_FIELDS, parseNvidiaSmiCsv, selectGpus } from './nvidia-smi-csv.ts';
export type { NvidiaSmiProbeOptions } from './nvidia-smi-probe.ts';
export { createNvidiaSmiProbe, runNvidiaSmi } from './nvidia-smi-probe.ts';
export type { OllamaPsProbeOptions } from './ollama-ps-probe.ts';
export { createOllamaPsProbe } from './ollama-ps-probe.ts';
export {
  type MetricsText,
  type PrometheusSample,
  prometheusSamples,
  readMetricsText,
} from './prometheus-text.ts';
export type { RetryAfterOptions } from './retry-after.ts';
export { retryAfterSeconds } from './retry-after.ts';
export type {
  ServerLoad,
  ServerLoadProbe,
  ServerLoadProbeOptions,
  ServerLoadReading,
} from './server-load.ts';
export {
  createServerLoadProbe,
  metricsUrlFor,
  metricsUrlOf,
  parseServerLoad,
} from './server-load.ts';
export type { SlotMemoryOptions } from './slot-memory.ts';
export { DEFAULT_KV_BYTES_PER_TOKEN, memoryPerSlotMiB } from './slot-memory.ts';
export type {
  GpuMemory,
  VramProbe,
  VramProbeKind,
  VramReading,
  VramSummary,
} from './vram-reading.ts';
export { gpuMemorySchema, summarizeVram } from './vram-reading.ts';
