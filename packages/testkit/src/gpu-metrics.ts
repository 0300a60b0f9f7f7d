/**
 * `/metrics` in vLLM's Prometheus text format: the gauges a scheduler reads to see how loaded a
 * GPU server is (running and waiting requests, KV cache usage).
 */
import type { EngineStats } from './gpu-engine.ts';

/** One model's engine counts, labelled with its name. */
export interface ModelStats {
  modelName: string;
  stats: EngineStats;
}

/** Prometheus label values escape backslash, double quote and newline. */
function labelValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Prometheus writes floats with a decimal point, as vLLM's client does (`3.0`). */
function sample(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

const families: Array<{
  name: string;
  type: 'gauge' | 'counter';
  help: string;
  value: (s: EngineStats) => number;
}> = [
  {
    name: 'vllm:num_requests_running',
    type: 'gauge',
    help: 'Number of requests in model execution batches.',
    value: (s) => s.running,
  },
  {
    name: 'vllm:num_requests_waiting',
    type: 'gauge',
    help: 'Number of requests waiting to be processed.',
    value: (s) => s.waiting,
  },
  {
    name: 'vllm:kv_cache_usage_perc',
    type: 'gauge',
    help: 'KV-cache usage. 1 means 100 percent usage.',
    value: (s) => s.kvUsage,
  },
  {
    // The name vLLM used before 0.10; dashboards and autoscalers still read it.
    name: 'vllm:gpu_cache_usage_perc',
    type: 'gauge',
    help: 'GPU KV-cache usage. 1 means 100 percent usage.',
    value: (s) => s.kvUsage,
  },
  {
    name: 'vllm:generation_tokens_total',
    type: 'counter',
    help: 'Number of generation tokens processed.',
    value: (s) => s.generatedTokens,
  },
];

/** The text of GET /metrics (content type `text/plain; version=0.0.4`). */
export function metricsText(models: readonly ModelStats[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.type}`);
    for (const { modelName, stats } of models) {
      lines.push(
        `${family.name}{engine="0",model_name="${labelValue(modelName)}"} ${sample(family.value(stats))}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
