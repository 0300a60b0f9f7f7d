import { type GpuMemory, gpuMemory } from './vram-reading.ts';

/** The columns the probe asks for, in this order (`--query-gpu=…`). */
export const NVIDIA_SMI_QUERY_FIELDS = [
  'index',
  'uuid',
  'name',
  'memory.total',
  'memory.used',
  'memory.free',
] as const;

/** Outcome of {@link parseNvidiaSmiCsv}: the GPUs, or why the text is not a reading. */
export type NvidiaSmiParseResult = { ok: true; gpus: GpuMemory[] } | { ok: false; error: string };

const MEMORY_FIELDS = ['memory.total', 'memory.used', 'memory.free'] as const;

/**
 * Parses `nvidia-smi --query-gpu=… --format=csv[,noheader][,nounits]` output, one row per GPU.
 * With a header row, columns are found by name (units such as `[MiB]` ignored), so extra
 * columns in any order are fine; without one, columns are read in the order of `fields`.
 * Values may carry units (`143771 MiB`). Never throws: unusable text gives `{ok: false}`.
 *
 * @example
 * parseNvidiaSmiCsv('0, GPU-6a4c…, NVIDIA H200, 143771, 0, 143156');
 * // { ok: true, gpus: [{ index: 0, uuid: 'GPU-6a4c…', name: 'NVIDIA H200', totalMiB: 143771, … }] }
 */
export function parseNvidiaSmiCsv(
  text: string,
  fields: readonly string[] = NVIDIA_SMI_QUERY_FIELDS,
): NvidiaSmiParseResult {
  const rows = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => line.split(',').map((cell) => cell.trim()));
  const first = rows[0];
  if (!first) return { ok: false, error: 'empty output' };

  let columns = [...fields];
  if (first.some((cell) => /^memory\.(total|used|free)\b/.test(cell))) {
    columns = first.map((cell) => cell.replace(/\s*\[[^\]]*\]$/, ''));
    rows.shift();
  }
  for (const field of MEMORY_FIELDS) {
    if (!columns.includes(field)) return { ok: false, error: `no ${field} column` };
  }
  if (rows.length === 0) return { ok: false, error: 'no GPU rows' };

  const gpus: GpuMemory[] = [];
  for (const [rowNumber, row] of rows.entries()) {
    const gpu = parseRow(row, columns, rowNumber);
    if (typeof gpu === 'string') return { ok: false, error: gpu };
    gpus.push(gpu);
  }
  return { ok: true, gpus };
}

function parseRow(row: string[], columns: string[], rowNumber: number): GpuMemory | string {
  const cell = (field: string): string | undefined => {
    const at = columns.indexOf(field);
    return at < 0 ? undefined : row[at];
  };
  const preview = row.join(', ').slice(0, 80);
  if (row.length < columns.length) return `row ${rowNumber + 1} has too few columns: "${preview}"`;

  const mib: Record<string, number> = {};
  for (const field of MEMORY_FIELDS) {
    // `[N/A]` and `[Not Supported]` land here too: no number, no reading.
    const match = /^(\d+(?:\.\d+)?)(?:\s*MiB)?$/.exec(cell(field) ?? '');
    if (!match?.[1]) return `row ${rowNumber + 1}: ${field} is not a MiB value: "${preview}"`;
    mib[field] = Number(match[1]);
  }
  const totalMiB = mib['memory.total'] ?? 0;
  const usedMiB = mib['memory.used'] ?? 0;
  const freeMiB = mib['memory.free'] ?? 0;
  if (totalMiB <= 0 || freeMiB > totalMiB || usedMiB > totalMiB) {
    return `row ${rowNumber + 1}: memory figures do not add up: "${preview}"`;
  }

  const indexText = cell('index');
  let index = rowNumber;
  if (indexText !== undefined) {
    if (!/^\d+$/.test(indexText))
      return `row ${rowNumber + 1}: index is not a number: "${preview}"`;
    index = Number(indexText);
  }
  const uuid = cell('uuid');
  const name = cell('name');
  return gpuMemory({
    index,
    ...(uuid && uuid !== '[N/A]' ? { uuid } : {}),
    ...(name && name !== '[N/A]' ? { name } : {}),
    totalMiB,
    usedMiB,
    freeMiB,
  });
}

/** How a worker names its GPU. */
export interface GpuSelection {
  /** nvidia-smi index of the GPU (`NIGHTSHIFT_GPU_INDEX`); wins over `cudaVisibleDevices`. */
  gpuIndex?: number;
  /**
   * The value of `CUDA_VISIBLE_DEVICES`; its first entry names the GPU, as an index or a
   * `GPU-…` uuid (a unique prefix is enough, as CUDA allows). Empty means no selection.
   */
  cudaVisibleDevices?: string;
}

/**
 * Picks the worker's GPU out of a multi-GPU reading. No selection keeps every GPU.
 * Returns a message when the named GPU is not there.
 *
 * @example
 * selectGpus(gpus, { cudaVisibleDevices: 'GPU-6a4cea9d,GPU-1234' }); // [the GPU-6a4cea9d… one]
 */
export function selectGpus(gpus: GpuMemory[], selection: GpuSelection): GpuMemory[] | string {
  if (selection.gpuIndex !== undefined) {
    const gpu = gpus.find((g) => g.index === selection.gpuIndex);
    return gpu ? [gpu] : `GPU index ${selection.gpuIndex} not found`;
  }
  const first = selection.cudaVisibleDevices?.split(',')[0]?.trim() ?? '';
  if (first === '') return gpus;
  if (/^\d+$/.test(first)) {
    const gpu = gpus.find((g) => g.index === Number(first));
    return gpu ? [gpu] : `CUDA_VISIBLE_DEVICES names GPU ${first}, which is not present`;
  }
  const wanted = first.toLowerCase();
  const matches = gpus.filter((g) => g.uuid?.toLowerCase().startsWith(wanted));
  if (matches.length === 1 && matches[0]) return [matches[0]];
  return matches.length === 0
    ? `CUDA_VISIBLE_DEVICES names ${first}, which is not present`
    : `CUDA_VISIBLE_DEVICES entry ${first} matches several GPUs`;
}
