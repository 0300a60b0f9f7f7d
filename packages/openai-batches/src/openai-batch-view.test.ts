import { describe, expect, it } from 'vitest';
import { toOpenAiBatch } from './openai-batch-view.ts';

describe('the OpenAI batch object', () => {
  it('keeps its GPU time and energy once the native batch has aged out', () => {
    const fields = {
      id: 'batch_01',
      tenant: 'acme',
      createdAt: '1765000000000',
      finalStatus: 'completed',
      finalizedAt: '1765000060000',
      promptTokens: '12',
      completionTokens: '30',
      gpuSeconds: '1.25',
      energyWh: '0.5',
    };
    expect(toOpenAiBatch(fields, null).usage).toEqual({
      input_tokens: 12,
      output_tokens: 30,
      total_tokens: 42,
      gpu_seconds: 1.25,
      energy_wh: 0.5,
    });
    // Finalized where no server reports energy: unknown, not zero.
    expect(toOpenAiBatch({ ...fields, energyWh: '' }, null).usage.energy_wh).toBeNull();
  });
});
