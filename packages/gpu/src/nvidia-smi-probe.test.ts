import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFakeNvidiaSmi } from '@nightshift/testkit/fake-nvidia-smi';
import { afterAll, describe, expect, it } from 'vitest';
import { createNvidiaSmiProbe } from './nvidia-smi-probe.ts';
import type { VramReading } from './vram-reading.ts';

function expectUnknown(reading: VramReading, reason: RegExp): void {
  expect(reading.status).toBe('unknown');
  if (reading.status === 'unknown') expect(reading.reason).toMatch(reason);
}

describe('createNvidiaSmiProbe with the fake nvidia-smi', () => {
  const smi = createFakeNvidiaSmi({ state: 'idle' });
  const scratch = mkdtempSync(join(tmpdir(), 'gpu-probe-'));
  afterAll(() => {
    smi.remove();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('reads an idle H200 as almost empty', async () => {
    const reading = await createNvidiaSmiProbe({ binary: smi.binary }).read();
    expect(reading).toMatchObject({
      status: 'ok',
      gpus: [{ index: 0, name: 'NVIDIA H200', totalMiB: 143771, freeMiB: 143156, usedPct: 0.43 }],
    });
    expect(reading.at).toBeInstanceOf(Date);
  });

  it('follows the state of the card between reads', async () => {
    const probe = createNvidiaSmiProbe({ binary: smi.binary });
    smi.setState('used-0.96');
    const full = await probe.read();
    expect(full.status === 'ok' && full.gpus[0]?.usedPct).toBeGreaterThan(95);
    smi.setState('used-0.50');
    const half = await probe.read();
    expect(half.status === 'ok' && half.gpus[0]?.freeMiB).toBe(71486);
    smi.setState('idle');
  });

  it('selects the GPU by index or CUDA_VISIBLE_DEVICES', async () => {
    const byUuid = await createNvidiaSmiProbe({
      binary: smi.binary,
      cudaVisibleDevices: 'GPU-6a4cea9d-7f70-8535-1535-726ba0697780',
    }).read();
    expect(byUuid.status).toBe('ok');
    const missing = await createNvidiaSmiProbe({ binary: smi.binary, gpuIndex: 1 }).read();
    expectUnknown(missing, /GPU index 1 not found/);
  });

  it.each([
    ['garbage', /output/],
    ['exit1', /exited with code 1: Failed to initialize NVML/],
  ] as const)('reads %s as unknown', async (mode, reason) => {
    smi.setBroken(mode);
    try {
      expectUnknown(await createNvidiaSmiProbe({ binary: smi.binary }).read(), reason);
    } finally {
      smi.setBroken(null);
    }
  });

  it('gives up on a hanging nvidia-smi after timeoutMs', async () => {
    smi.setBroken('hang');
    try {
      const reading = await createNvidiaSmiProbe({ binary: smi.binary, timeoutMs: 200 }).read();
      expectUnknown(reading, /did not answer within 200 ms/);
    } finally {
      smi.setBroken(null);
    }
  });

  it('also times out when a grandchild keeps the output pipe open', async () => {
    const binary = join(scratch, 'holds-pipe');
    const pidFile = join(scratch, 'grandchild.pid');
    writeFileSync(
      binary,
      `#!/usr/bin/env bash\nsleep 3600 &\necho $! > '${pidFile}'\nexec sleep 3600\n`,
    );
    chmodSync(binary, 0o755);
    try {
      const reading = await createNvidiaSmiProbe({ binary, timeoutMs: 200 }).read();
      expectUnknown(reading, /did not answer/);
    } finally {
      // The grandchild outlives the killed script; end it by its id.
      process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
    }
  });

  it('reads a missing or non-executable binary as unknown', async () => {
    const missing = join(scratch, 'no-such-nvidia-smi');
    expectUnknown(await createNvidiaSmiProbe({ binary: missing }).read(), /not found/);
    const plain = join(scratch, 'not-executable');
    writeFileSync(plain, 'hello');
    expectUnknown(await createNvidiaSmiProbe({ binary: plain }).read(), /not executable/);
  });
});
