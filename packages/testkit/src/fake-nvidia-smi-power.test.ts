import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeNvidiaSmi, type FakeNvidiaSmi } from './fake-nvidia-smi.ts';
import { startGpuStandIn } from './gpu-stand-in.ts';

let smi: FakeNvidiaSmi | undefined;
afterEach(() => {
  smi?.remove();
  smi = undefined;
});

const query = (fake: FakeNvidiaSmi, fields: string, format = 'csv,noheader,nounits') =>
  execFileSync(fake.binary, [`--query-gpu=${fields}`, `--format=${format}`], { encoding: 'utf8' });

describe('fake nvidia-smi power fields', () => {
  it('answers power.draw, .instant and .average: the H200 capture, or the power a test sets', () => {
    smi = createFakeNvidiaSmi();
    expect(query(smi, 'index,power.draw')).toBe('0, 78.35\n');
    expect(query(smi, 'power.draw.instant,power.draw.average', 'csv')).toBe(
      'power.draw.instant [W], power.draw.average [W]\n78.35 W, 78.35 W\n',
    );
    smi.setPower(412.5);
    expect(query(smi, 'uuid,power.draw')).toBe(
      'GPU-6a4cea9d-7f70-8535-1535-726ba0697780, 412.50\n',
    );
    // As on the real driver, the query interface has no energy counter.
    expect(() => query(smi as FakeNvidiaSmi, 'total_energy_consumption')).toThrow();
  });

  it('follows the GPU stand-in’s power model', async () => {
    const gpu = await startGpuStandIn({ power: { idleWatts: 111 } });
    smi = createFakeNvidiaSmi();
    const stop = smi.followPower(() => gpu.power().watts);
    try {
      expect(query(smi, 'power.draw')).toBe('111.00\n');
    } finally {
      stop();
      await gpu.close();
    }
  });
});
