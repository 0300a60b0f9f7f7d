import { createFakeNvidiaSmi } from '@nightshift/testkit/fake-nvidia-smi';
import { afterAll, describe, expect, it } from 'vitest';
import { cachedProbe } from './cached-probe.ts';
import { createNoneProbe } from './none-probe.ts';
import { createNvidiaSmiProbe } from './nvidia-smi-probe.ts';
import type { VramProbe, VramReading } from './vram-reading.ts';

describe('cachedProbe', () => {
  const smi = createFakeNvidiaSmi({ state: 'idle' });
  afterAll(() => smi.remove());

  it('runs nvidia-smi once for many concurrent and repeated reads within maxAgeMs', async () => {
    let clock = 1_000;
    const probe = cachedProbe(createNvidiaSmiProbe({ binary: smi.binary }), {
      maxAgeMs: 250,
      now: () => clock,
    });
    expect(probe.last()).toBeUndefined();
    const readings = await Promise.all(Array.from({ length: 20 }, () => probe.read()));
    expect(new Set(readings).size).toBe(1);
    clock += 249;
    await probe.read();
    expect(smi.calls()).toBe(1);

    smi.setState('used-0.96');
    clock += 1;
    const fresh = await probe.read();
    expect(smi.calls()).toBe(2);
    expect(fresh.status === 'ok' && fresh.gpus[0]?.freeMiB).toBe(5634);
    expect(probe.last()).toBe(fresh);
    expect(probe.kind).toBe('nvidia-smi');
  });

  it('caches unknown readings too, so a broken binary is not hammered', async () => {
    const broken = createFakeNvidiaSmi();
    broken.setBroken('exit1');
    let clock = 0;
    const probe = cachedProbe(createNvidiaSmiProbe({ binary: broken.binary }), {
      now: () => clock,
    });
    expect((await probe.read()).status).toBe('unknown');
    expect((await probe.read()).status).toBe('unknown');
    expect(broken.calls()).toBe(1);
    broken.setBroken(null);
    clock += 250;
    expect((await probe.read()).status).toBe('ok');
    broken.remove();
  });

  it('turns a throwing custom probe into unknown', async () => {
    const throwing: VramProbe = {
      kind: 'none',
      read: () => Promise.reject(new Error('kaput')),
    };
    const reading: VramReading = await cachedProbe(throwing).read();
    expect(reading).toMatchObject({ status: 'unknown', reason: 'probe threw: kaput' });
  });

  it('passes the none probe through', async () => {
    expect(await cachedProbe(createNoneProbe()).read()).toMatchObject({ status: 'none' });
  });
});
