import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createFakeNvidiaSmi, NVIDIA_SMI_STATES, readNvidiaSmiCapture } from './fake-nvidia-smi.ts';

const run = promisify(execFile);
const GPU_FIELDS =
  'index,uuid,name,memory.total,memory.used,memory.free,utilization.gpu,utilization.memory,temperature.gpu,power.draw';
const APP_FIELDS = 'pid,process_name,used_gpu_memory,gpu_uuid';

describe('createFakeNvidiaSmi', () => {
  const smi = createFakeNvidiaSmi();
  afterAll(() => smi.remove());

  it.each(NVIDIA_SMI_STATES)('replays the %s captures byte for byte', async (state) => {
    smi.setState(state);
    for (const [mode, fields] of [
      ['query-gpu', GPU_FIELDS],
      ['compute-apps', APP_FIELDS],
    ] as const) {
      const flag = `--query-${mode === 'query-gpu' ? 'gpu' : 'compute-apps'}=${fields}`;
      const withHeader = await run(smi.binary, [flag, '--format=csv']);
      expect(withHeader.stdout).toBe(readNvidiaSmiCapture(state, `${mode}.csv`));
      const bare = await run(smi.binary, [flag, '--format=csv,noheader,nounits']);
      expect(bare.stdout).toBe(readNvidiaSmiCapture(state, `${mode}.noheader-nounits.csv`));
    }
    expect((await run(smi.binary, ['-q', '-x'])).stdout).toBe(readNvidiaSmiCapture(state, 'q.xml'));
    expect((await run(smi.binary, [])).stdout).toBe(readNvidiaSmiCapture(state, 'txt'));
  });

  it('prints the requested columns in the requested order, header units kept', async () => {
    smi.setState('used-0.50');
    const query = '--query-gpu=memory.free,index,memory.total';
    expect((await run(smi.binary, [query, '--format=csv,nounits'])).stdout).toBe(
      'memory.free [MiB], index, memory.total [MiB]\n71486, 0, 143771\n',
    );
    expect((await run(smi.binary, [query, '--format=csv,noheader'])).stdout).toBe(
      '71486 MiB, 0, 143771 MiB\n',
    );
  });

  it('rejects a field it has no capture for, as nvidia-smi does', async () => {
    await expect(run(smi.binary, ['--query-gpu=pstate', '--format=csv'])).rejects.toMatchObject({
      code: 2,
      stdout: expect.stringContaining('"pstate" is not a valid field'),
    });
  });

  it('can be broken and healed at run time', async () => {
    const query = ['--query-gpu=index,memory.free', '--format=csv,noheader,nounits'];
    smi.setBroken('garbage');
    const garbage = await run(smi.binary, query);
    expect(garbage.stdout).not.toMatch(/^\d+, \d+$/m);
    smi.setBroken('exit1');
    await expect(run(smi.binary, query)).rejects.toMatchObject({
      code: 1,
      stdout: expect.stringContaining('NVML'),
    });
    smi.setBroken(null);
    smi.setState('idle');
    expect((await run(smi.binary, query)).stdout).toBe('0, 143156\n');
  });

  it('hangs in hang mode until killed', async () => {
    smi.setBroken('hang');
    const child = spawn(smi.binary, ['--query-gpu=index', '--format=csv']);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => {
      child.on('exit', (_code, signal) => resolve(signal));
    });
    // Still alive after a pause long enough for the other modes to have answered.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(child.exitCode).toBeNull();
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    smi.setBroken(null);
  });

  it('counts its runs and removes itself', async () => {
    const own = createFakeNvidiaSmi({ state: 'used-0.96' });
    expect(own.calls()).toBe(0);
    await run(own.binary, ['--version']);
    await run(own.binary, ['--version']);
    expect(own.calls()).toBe(2);
    own.remove();
    expect(existsSync(own.binary)).toBe(false);
  });

  it('refuses a state it has no capture for', () => {
    expect(() => smi.setState('used-0.75' as never)).toThrow(/unknown nvidia-smi state/);
  });
});
