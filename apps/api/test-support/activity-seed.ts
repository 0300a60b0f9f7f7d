import { gpuMemorySchema } from '@nightshift/gpu';
import { ActivitySeries, WriteBehind } from '@nightshift/metrics';
import { prng } from '@nightshift/testkit/sample-documents';
import type { Redis } from 'ioredis';

const h200TotalMiB = 143771;

/**
 * Test-only: a day of activity written through {@link ActivitySeries}, the workers' own writer,
 * one minute at a time up to `now`: cold documents only while `isColdOpen(minute)`, hot
 * summaries through the day (busier in office hours, slower when cold work shares the GPU),
 * and two H200s whose memory fills while the cold lane runs.
 */
export async function seedActivityDay(
  redis: Redis,
  isColdOpen: (at: Date) => boolean,
  now = new Date(),
): Promise<{ documents: number; gpus: string[] }> {
  const writes = new WriteBehind({ redis, flushMs: 3_600_000 });
  const series = new ActivitySeries({ redis, writes, vramSampleMs: 0 });
  const next = prng(19);
  const minute = 60_000;
  const end = Math.floor(now.getTime() / minute) * minute;
  let documents = 0;
  for (let t = end - 1439 * minute; t <= end; t += minute) {
    const at = new Date(t);
    const cold = isColdOpen(at);
    const hour = at.getUTCHours();
    const office = hour >= 8 && hour < 18;
    const hotCount = Math.floor(next() * (office ? 7 : 2));
    for (let i = 0; i < hotCount; i++) {
      documents++;
      await series.documentFinished({
        lane: 'hot',
        outcome: next() < 0.02 ? 'failed' : 'succeeded',
        durationMs: (cold ? 5200 : 2600) + next() * (cold ? 9000 : 3500),
        promptTokens: 700 + Math.floor(next() * 900),
        completionTokens: 120 + Math.floor(next() * 150),
        at: new Date(t + i * 1000),
      });
    }
    const coldCount = cold ? 8 + Math.floor(next() * 10) : 0;
    for (let i = 0; i < coldCount; i++) {
      documents++;
      await series.documentFinished({
        lane: 'cold',
        outcome: 'succeeded',
        durationMs: 20_000 + next() * 30_000,
        promptTokens: 3000 + Math.floor(next() * 4000),
        completionTokens: 300 + Math.floor(next() * 200),
        at: new Date(t + i * 1000),
      });
    }
    for (const [host, base] of [
      ['gpu-node-7', 14],
      ['gpu-node-8', 22],
    ] as const) {
      const usedPct = Math.min(99, base + (cold ? 68 : hotCount * 3) + next() * 6);
      const freeMiB = Math.round((h200TotalMiB * (100 - usedPct)) / 100);
      const gpu = gpuMemorySchema.parse({
        index: 0,
        name: 'NVIDIA H200',
        totalMiB: h200TotalMiB,
        usedMiB: h200TotalMiB - freeMiB - 616,
        freeMiB,
        usedPct: Math.round(usedPct * 100) / 100,
      });
      await series.vramReading(host, [gpu], at);
    }
  }
  await writes.close();
  return { documents, gpus: ['gpu-node-7/0', 'gpu-node-8/0'] };
}
