import { NVIDIA_SMI_STATES, readNvidiaSmiCapture } from '@nightshift/testkit/fake-nvidia-smi';
import { describe, expect, it } from 'vitest';
import { parseNvidiaSmiCsv, selectGpus } from './nvidia-smi-csv.ts';
import type { GpuMemory } from './vram-reading.ts';

const UUID = 'GPU-6a4cea9d-7f70-8535-1535-726ba0697780';
// Figures straight from the captures; used + free ≠ total (616 MiB reserved by the driver).
const expected = {
  idle: { usedMiB: 0, freeMiB: 143156, usedPct: 0.43 },
  'used-0.50': { usedMiB: 71671, freeMiB: 71486, usedPct: 50.28 },
  'used-0.96': { usedMiB: 137523, freeMiB: 5634, usedPct: 96.08 },
} as const;

function gpusOf(text: string): GpuMemory[] {
  const parsed = parseNvidiaSmiCsv(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.gpus;
}

describe('parseNvidiaSmiCsv on the real H200 captures', () => {
  it.each(NVIDIA_SMI_STATES)('%s, with header and units', (state) => {
    const gpus = gpusOf(readNvidiaSmiCapture(state, 'query-gpu.csv'));
    expect(gpus).toEqual([
      { index: 0, uuid: UUID, name: 'NVIDIA H200', totalMiB: 143771, ...expected[state] },
    ]);
  });

  it.each(NVIDIA_SMI_STATES)(
    '%s, noheader and nounits (leading columns in query order)',
    (state) => {
      const gpus = gpusOf(readNvidiaSmiCapture(state, 'query-gpu.noheader-nounits.csv'));
      expect(gpus).toEqual([
        { index: 0, uuid: UUID, name: 'NVIDIA H200', totalMiB: 143771, ...expected[state] },
      ]);
    },
  );

  it('keeps free as reported instead of total − used', () => {
    const [gpu] = gpusOf(readNvidiaSmiCapture('used-0.96', 'query-gpu.csv'));
    expect(gpu?.freeMiB).toBe(5634);
    expect((gpu?.totalMiB ?? 0) - (gpu?.usedMiB ?? 0)).not.toBe(gpu?.freeMiB);
  });
});

describe('parseNvidiaSmiCsv on other shapes', () => {
  it('reads several GPUs, with header columns in any order', () => {
    const text = [
      'memory.free [MiB], index, memory.total [MiB], uuid, memory.used [MiB]',
      '143156 MiB, 0, 143771 MiB, GPU-aaaa, 0 MiB',
      '5634 MiB, 1, 143771 MiB, GPU-bbbb, 137523 MiB',
    ].join('\n');
    const gpus = gpusOf(text);
    expect(gpus.map((g) => [g.index, g.uuid, g.freeMiB, g.name])).toEqual([
      [0, 'GPU-aaaa', 143156, undefined],
      [1, 'GPU-bbbb', 5634, undefined],
    ]);
  });

  it('reads headerless rows in a caller-given column order and tolerates CRLF', () => {
    const parsed = parseNvidiaSmiCsv('3, 24576, 4000, 20000\r\n', [
      'index',
      'memory.total',
      'memory.free',
      'memory.used',
    ]);
    expect(parsed).toEqual({
      ok: true,
      gpus: [{ index: 3, totalMiB: 24576, freeMiB: 4000, usedMiB: 20000, usedPct: 83.72 }],
    });
  });

  it.each([
    ['', 'empty output'],
    ['Failed to initialize NVML: Unknown Error', 'too few columns'],
    ['0, GPU-x, NVIDIA H200, [N/A], [N/A], [N/A]', 'not a MiB value'],
    ['0, GPU-x, NVIDIA H200, 100, 0, 200', 'do not add up'],
    ['x, GPU-x, NVIDIA H200, 100, 0, 50', 'index is not a number'],
    ['index, memory.used [MiB]\n0, 5 MiB', 'no memory.total column'],
    ['index, uuid, memory.total [MiB], memory.used [MiB], memory.free [MiB]', 'no GPU rows'],
    ['<html>not,a,csv</html>', 'too few columns'],
  ])('rejects %j (%s)', (text, error) => {
    const parsed = parseNvidiaSmiCsv(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(error);
  });
});

describe('selectGpus', () => {
  const gpus = gpusOf(
    [
      '0, GPU-6a4cea9d-7f70-8535-1535-726ba0697780, NVIDIA H200, 143771, 0, 143156',
      '1, GPU-11111111-2222-3333-4444-555555555555, NVIDIA H200, 143771, 137523, 5634',
      '2, GPU-11112222-0000-0000-0000-000000000000, NVIDIA H200, 143771, 71671, 71486',
    ].join('\n'),
  );
  const indexes = (picked: GpuMemory[] | string) =>
    typeof picked === 'string' ? picked : picked.map((g) => g.index);

  it.each([
    [{}, [0, 1, 2]],
    [{ cudaVisibleDevices: '' }, [0, 1, 2]],
    [{ gpuIndex: 2 }, [2]],
    [{ gpuIndex: 1, cudaVisibleDevices: '2' }, [1]],
    [{ cudaVisibleDevices: '1,0' }, [1]],
    [{ cudaVisibleDevices: ' 2 ' }, [2]],
    [{ cudaVisibleDevices: 'GPU-6a4cea9d-7f70-8535-1535-726ba0697780,GPU-1111' }, [0]],
    [{ cudaVisibleDevices: 'gpu-6A4CEA9D' }, [0]],
  ])('%j picks %j', (selection, want) => {
    expect(indexes(selectGpus(gpus, selection))).toEqual(want);
  });

  it.each([
    [{ gpuIndex: 7 }, 'GPU index 7 not found'],
    [{ cudaVisibleDevices: '5' }, 'not present'],
    [{ cudaVisibleDevices: 'GPU-ffff' }, 'not present'],
    [{ cudaVisibleDevices: 'GPU-1111' }, 'matches several GPUs'],
  ])('%j is an error', (selection, message) => {
    expect(selectGpus(gpus, selection)).toContain(message);
  });
});
