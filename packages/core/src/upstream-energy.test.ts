import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { upstreamSchema } from './gateway-config.ts';

const base = { kind: 'openai', url: 'http://vllm:8000/v1' } as const;

describe('an upstream’s energy source', () => {
  it('takes nvidia-smi (all GPUs or some) and a DCGM exporter with its GPUs', () => {
    expect(upstreamSchema.parse({ ...base, energy: 'nvidia-smi' }).energy).toBe('nvidia-smi');
    expect(
      upstreamSchema.parse({ ...base, energy: { source: 'nvidia-smi', gpus: ['1'] } }).energy,
    ).toEqual({ source: 'nvidia-smi', gpus: ['1'] });
    const dcgm = { source: 'dcgm', url: 'http://gpu1:9400/metrics', gpus: ['0', 'GPU-abc'] };
    expect(upstreamSchema.parse({ ...base, energy: dcgm }).energy).toEqual(dcgm);
    expect(upstreamSchema.parse(base).energy).toBeUndefined();
  });

  it('refuses a DCGM source without a URL, naming the variable and the field', () => {
    const bad = JSON.stringify([{ ...base, energy: { source: 'dcgm' } }]);
    expect(() => loadConfig({ NIGHTSHIFT_UPSTREAMS: bad })).toThrow(
      /NIGHTSHIFT_UPSTREAMS.*energy/s,
    );
  });
});
