import { prometheusSamples } from '@nightshift/gpu';
import { createRedis } from '@nightshift/redis';
import { createFakeNvidiaSmi } from '@nightshift/testkit/fake-nvidia-smi';
import { startGpuStandIn } from '@nightshift/testkit/gpu-stand-in';
import { useRedis } from '@nightshift/testkit/redis-for-tests';
import { describe, expect, it } from 'vitest';
import { accountingKeys } from './accounting-keys.ts';
import { AccountingStore } from './accounting-store.ts';
import { CallLedger } from './call-ledger.ts';
import { EnergySampler } from './energy-sampler.ts';
import { dcgmEnergySource, type EnergySource, nvidiaSmiEnergySource } from './energy-sources.ts';

const db = useRedis((url) => createRedis(url, 'client'));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('EnergySampler', () => {
  it('books an idle server’s whole energy as idle, from nvidia-smi’s power.draw', async () => {
    const gpu = await startGpuStandIn({ power: { idleWatts: 120 } });
    const smi = createFakeNvidiaSmi();
    const unlink = smi.followPower(() => gpu.power().watts, 20);
    try {
      const server = 'ollama@idle:1';
      const ledger = new CallLedger({ redis: db.redis });
      const sampler = new EnergySampler({
        redis: db.redis,
        server,
        source: nvidiaSmiEnergySource({ binary: smi.binary }),
        ledger,
        periodMs: 250,
      });
      const started = Date.now();
      for (let i = 0; i < 4; i++) {
        await sampler.sampleOnce();
        await sleep(250);
      }
      await sampler.sampleOnce();
      const { servers } = await new AccountingStore({ redis: db.redis }).hours(started, Date.now());
      const row = servers.find((r) => r.server === server);
      // Nothing ran: every joule the counter advanced by is idle, at the model's 120 W.
      expect(row?.idleEnergyWh).toBeCloseTo(row?.energyWh ?? Number.NaN, 9);
      const samples = await db.redis.zrange(accountingKeys.energy(server), 0, -1, 'WITHSCORES');
      const spanS = (Number(samples.at(-1)) - Number(samples[1])) / 1000;
      // The source integrates on its own clock (each nvidia-smi run takes its time), the span
      // is the samples' Redis times: the two agree to a few percent.
      const watts = ((row?.energyWh ?? 0) * 3600) / spanS;
      expect(Math.abs(watts - 120) / 120).toBeLessThan(0.05);
    } finally {
      unlink();
      smi.remove();
      await gpu.close();
    }
  });

  it('lets one replica sample a server at a time', async () => {
    const source: EnergySource = { read: async () => Date.now() };
    const ledger = new CallLedger({ redis: db.redis });
    const server = 'openai@leased:1';
    const one = new EnergySampler({ redis: db.redis, server, source, ledger });
    const two = new EnergySampler({ redis: db.redis, server, source, ledger });
    expect(await one.sampleOnce()).not.toBeNull();
    expect(await two.sampleOnce()).toBeNull();
    await one.release();
    expect(await two.sampleOnce()).not.toBeNull();
  });

  it('keeps the stored counter rising when the source reads lower (a reload, a takeover)', async () => {
    const readings = [5_000, 9_000, 1_000, 3_000];
    const source: EnergySource = { read: async () => readings.shift() ?? null };
    const server = 'openai@reload:1';
    const sampler = new EnergySampler({
      redis: db.redis,
      server,
      source,
      ledger: new CallLedger({ redis: db.redis }),
    });
    for (let i = 0; i < 4; i++) {
      await sampler.sampleOnce();
      await sleep(5);
    }
    const counters = (await db.redis.zrange(accountingKeys.energy(server), 0, -1)).map((m) =>
      Number(m.split(':')[1]),
    );
    // The interval of the drop adds nothing; the next ones add what the source advanced by.
    expect(counters).toEqual([5_000, 9_000, 9_000, 11_000]);
  });
});

describe('energy sources', () => {
  it('reads the GPU stand-in’s DCGM counter, for the GPUs asked for only', async () => {
    const gpu = await startGpuStandIn();
    try {
      const text = await (await fetch(`${gpu.url}/metrics`)).text();
      const [energy] = prometheusSamples(text, 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION');
      expect(energy?.labels.gpu).toBe('0');
      const first = await dcgmEnergySource({ url: `${gpu.url}/metrics` }).read();
      await sleep(100);
      const second = await dcgmEnergySource({ url: `${gpu.url}/metrics`, gpus: ['0'] }).read();
      // 90 W idle: ~9 J (9,000 mJ) in 100 ms.
      expect((second ?? 0) - (first ?? 0)).toBeGreaterThan(5_000);
      expect(await dcgmEnergySource({ url: `${gpu.url}/metrics`, gpus: ['7'] }).read()).toBeNull();
    } finally {
      await gpu.close();
    }
  });
});
