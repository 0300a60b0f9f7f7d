/**
 * Reading a Prometheus text exposition over HTTP: model servers' `/metrics` (vLLM, SGLang) and
 * DCGM exporters' GPU counters.
 */

/** One sample: its series name, labels and value. */
export interface PrometheusSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

// `name{labels} value [timestamp]`; label values may hold spaces and braces inside quotes.
const samplePattern = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?\s+(\S+)/;
const labelPattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * The samples of a Prometheus text exposition with a finite value, optionally only those of
 * `name`. Comments and lines that are not samples are skipped.
 *
 * @example
 * prometheusSamples('DCGM_FI_DEV_POWER_USAGE{gpu="0"} 212.5', 'DCGM_FI_DEV_POWER_USAGE');
 * // [{ name: 'DCGM_FI_DEV_POWER_USAGE', labels: { gpu: '0' }, value: 212.5 }]
 */
export function prometheusSamples(text: string, name?: string): PrometheusSample[] {
  const out: PrometheusSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    if (name !== undefined && !line.startsWith(name)) continue;
    const match = samplePattern.exec(line);
    if (!match || (name !== undefined && match[1] !== name)) continue;
    const value = Number(match[3]);
    if (!Number.isFinite(value)) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(labelPattern))
      labels[label[1] as string] = label[2] as string;
    out.push({ name: match[1] as string, labels, value });
  }
  return out;
}

/** A `/metrics` page: its text, or why it could not be read. */
export type MetricsText = { ok: true; text: string } | { ok: false; reason: string };

/**
 * GETs a metrics page within `timeoutMs`, refusing one over `maxBytes` (default 8 MiB: a DCGM
 * exporter of 8 GPUs answers ~100 KB). Never throws.
 *
 * @example
 * const page = await readMetricsText('http://gpu1:9400/metrics', { timeoutMs: 2000 });
 */
export async function readMetricsText(
  url: string,
  options: { timeoutMs: number; maxBytes?: number },
): Promise<MetricsText> {
  const maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs) });
    if (!response.ok) {
      await response.body?.cancel();
      return { ok: false, reason: `${url} answered ${response.status}` };
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body ?? []) {
      size += chunk.byteLength;
      // Leaving the loop cancels the rest of the body.
      if (size > maxBytes) return { ok: false, reason: `${url} answered over ${maxBytes} bytes` };
      chunks.push(chunk);
    }
    return { ok: true, text: Buffer.concat(chunks).toString('utf8') };
  } catch (error) {
    return { ok: false, reason: `${url}: ${(error as Error).message}` };
  }
}
