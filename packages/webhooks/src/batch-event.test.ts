import { describe, expect, it } from 'vitest';
import { batchEvent } from './batch-event.ts';

describe('batchEvent', () => {
  it('wraps any data as {type, timestamp, data}', () => {
    const at = new Date('2025-06-01T22:00:00.000Z');
    const batch = { id: 'batch_1', status: 'completed' };
    expect(batchEvent('batch.completed', batch, at)).toEqual({
      type: 'batch.completed',
      timestamp: '2025-06-01T22:00:00.000Z',
      data: batch,
    });
    expect(Date.parse(batchEvent('batch.failed', {}).timestamp)).not.toBeNaN();
  });
});
