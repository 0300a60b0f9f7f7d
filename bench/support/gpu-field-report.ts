/**
 * (c) of bench/gpu-cold.bench.ts: the field report's card in the GPU stand-in's Ollama mode.
 * 24 GB, a 32B model of 18.6 GB, ~1.6 GB of KV per 8k session, four parallel slots: three
 * sessions fit beside the weights, a fourth runs out of memory.
 */
import { startGpuStandIn } from '@nightshift/testkit/gpu-stand-in';
import { longText } from '@nightshift/testkit/sample-documents';
import { startArm } from './gpu-arms.ts';
import { round, until } from './stats.ts';

const FIELD_MODEL = 'qwen3:32b';
const CARD_BYTES = 24e9;
const DOCUMENTS = 8;

/** Figures of one arm: out-of-memory answers, and how long the eight documents took. */
async function fieldArm(redisUrl: string, env: Record<string, string>) {
  const gpu = await startGpuStandIn({
    mode: 'ollama',
    models: [{ name: FIELD_MODEL, sizeBytes: 19.9e9, sizeVramBytes: 18.6e9 }],
    engine: { stepBaseMs: 30, stepPerSeqMs: 0.5 },
    // 8,192 tokens × 192 KiB: 1.61 GB per session, inside the report's 1.2–1.8 GB.
    ollama: { memoryBytes: CARD_BYTES, parallel: 4, loadMs: 2_000, kvBytesPerToken: 196_608 },
  });
  const stack = await startArm(redisUrl, gpu, {
    NIGHTSHIFT_PROVIDER: 'ollama',
    OLLAMA_HOST: gpu.url,
    NIGHTSHIFT_MODEL: FIELD_MODEL,
    NIGHTSHIFT_FALLBACK_MODELS: ' ',
    NIGHTSHIFT_NUM_CTX: '8192',
    NIGHTSHIFT_MAX_TOKENS: '200',
    ...env,
  });
  try {
    const started = performance.now();
    const documents = Array.from({ length: DOCUMENTS }, (_, i) => ({
      text: longText(3_000, { seed: i + 1 }),
    }));
    const { body } = await stack.postJson({ documents });
    const done = await until(
      async () => {
        const batch = await stack.batch(body.id);
        return batch.completedAt ? batch : undefined;
      },
      600_000,
      'field-report batch',
      250,
    );
    return {
      outOfMemory: gpu.outOfMemoryAnswers(),
      seconds: (performance.now() - started) / 1000,
      succeeded: done.counts.succeeded ?? 0,
    };
  } finally {
    await stack.stop();
    await gpu.close();
  }
}

/** Rows of (c): Nightshift's admission (Ollama's /api/ps against the card) beside a naive 4. */
export async function fieldReportArm(redisUrl: string) {
  const naive = await fieldArm(redisUrl, {
    NIGHTSHIFT_GPU_PROBE: 'none',
    NIGHTSHIFT_COLD_AUTOTUNE: 'false',
    NIGHTSHIFT_COLD_CONCURRENCY: '4',
  });
  const admitted = await fieldArm(redisUrl, {
    NIGHTSHIFT_GPU_PROBE: 'ollama',
    NIGHTSHIFT_GPU_MEMORY_MIB: String(Math.floor(CARD_BYTES / 2 ** 20)),
  });
  return [
    {
      figure: '(c) out-of-memory answers with Nightshift admission (field report card)',
      value: admitted.outOfMemory,
      baseline: naive.outOfMemory,
      ratio: null,
      detail: `${DOCUMENTS} long documents; baseline: a naive concurrency of 4; succeeded ${admitted.succeeded} vs ${naive.succeeded}, in ${round(admitted.seconds)} s vs ${round(naive.seconds)} s`,
    },
  ];
}
