import { execFile } from 'node:child_process';
import {
  type GpuSelection,
  NVIDIA_SMI_QUERY_FIELDS,
  parseNvidiaSmiCsv,
  selectGpus,
} from './nvidia-smi-csv.ts';
import type { VramProbe, VramReading } from './vram-reading.ts';

/** Options of {@link createNvidiaSmiProbe}. */
export interface NvidiaSmiProbeOptions extends GpuSelection {
  /** Path or name of the binary (`NIGHTSHIFT_NVIDIA_SMI`). Default `nvidia-smi`. */
  binary?: string;
  /** A query that takes longer is `unknown` (and its process is killed). Default 2000 ms. */
  timeoutMs?: number;
}

const ARGS = [`--query-gpu=${NVIDIA_SMI_QUERY_FIELDS.join(',')}`, '--format=csv,noheader,nounits'];
// A real answer is ~100 bytes per GPU; anything near this is not nvidia-smi talking to us.
const MAX_OUTPUT_BYTES = 256 * 1024;

/**
 * Reads VRAM with `nvidia-smi --query-gpu=… --format=csv,noheader,nounits` (no shell).
 * Never throws: a missing binary, a non-zero exit, a timeout or unparsable output give
 * `{status: 'unknown', reason}`. One query costs ~22 ms on an H200: wrap it in `cachedProbe`.
 *
 * @example
 * const probe = createNvidiaSmiProbe({ binary: 'nvidia-smi', cudaVisibleDevices: '1' });
 * const reading = await probe.read(); // { status: 'ok', gpus: [{ index: 1, freeMiB: … }], at }
 */
export function createNvidiaSmiProbe(options: NvidiaSmiProbeOptions = {}): VramProbe {
  const binary = options.binary ?? 'nvidia-smi';
  const timeoutMs = options.timeoutMs ?? 2000;
  return {
    kind: 'nvidia-smi',
    async read(): Promise<VramReading> {
      const outcome = await runNvidiaSmi(binary, ARGS, timeoutMs);
      const at = new Date();
      if ('error' in outcome) return { status: 'unknown', reason: outcome.error, at };
      const parsed = parseNvidiaSmiCsv(outcome.stdout);
      if (!parsed.ok)
        return { status: 'unknown', reason: `nvidia-smi output: ${parsed.error}`, at };
      const gpus = selectGpus(parsed.gpus, options);
      if (typeof gpus === 'string') return { status: 'unknown', reason: gpus, at };
      return { status: 'ok', gpus, at };
    },
  };
}

/**
 * Runs nvidia-smi (or any `binary`) with `args`: its output, or why there is none (not found,
 * not executable, a failure's first line, no answer within `timeoutMs`: killed). Never throws.
 *
 * @example
 * const outcome = await runNvidiaSmi('nvidia-smi', ['--query-gpu=index,power.draw', '--format=csv'], 2000);
 */
export function runNvidiaSmi(
  binary: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<{ stdout: string } | { error: string }> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (value: { stdout: string } | { error: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    };
    let child: ReturnType<typeof execFile>;
    try {
      child = execFile(
        binary,
        args,
        { maxBuffer: MAX_OUTPUT_BYTES, windowsHide: true, encoding: 'utf8' },
        (error, stdout, stderr) => {
          if (!error) return settle({ stdout });
          settle({ error: describeFailure(binary, error, `${stderr}\n${stdout}`) });
        },
      );
    } catch (error) {
      // execFile throws synchronously for some bad arguments (e.g. a NUL in the path).
      return resolve({ error: `cannot run ${binary}: ${(error as Error).message}` });
    }
    // Our own timer rather than execFile's `timeout`: its callback waits for stdio to close,
    // which a grandchild holding the pipe can delay forever.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      settle({ error: `${binary} did not answer within ${timeoutMs} ms` });
    }, timeoutMs);
    child.on('error', (error) => settle({ error: describeFailure(binary, error, '') }));
  });
}

function describeFailure(binary: string, error: Error, output: string): string {
  const { code } = error as NodeJS.ErrnoException & { code?: string | number };
  if (code === 'ENOENT') return `${binary} not found`;
  if (code === 'EACCES') return `${binary} is not executable`;
  if (code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return `${binary} printed too much output`;
  const firstLine = output
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line.length > 0);
  const status = typeof code === 'number' ? `exited with code ${code}` : error.message;
  return `${binary} ${status}${firstLine ? `: ${firstLine.slice(0, 160)}` : ''}`;
}
