import { describe, expect, it } from 'vitest';
import { BatchEvents } from './batch-events.ts';

const ended = { batchId: 'batch_1', tenant: 'acme', status: 'completed' as const };

describe('BatchEvents', () => {
  it('runs every effect before any announcement, whatever the order they subscribed in', async () => {
    const events = new BatchEvents();
    const order: string[] = [];
    events.on('batch.ended', (e) => order.push(`announce ${e.batchId}`), { stage: 'announce' });
    events.on('batch.ended', async (e) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      order.push(`files ${e.batchId}`);
    });
    events.on('batch.ended', (e) => order.push(`cleanup ${e.tenant}`));
    await events.emit('batch.ended', ended);
    expect(order).toEqual(['files batch_1', 'cleanup acme', 'announce batch_1']);
  });

  it('reports a failing subscriber and still runs the others', async () => {
    const failures: string[] = [];
    const events = new BatchEvents({
      onError: (error, { subscriber }) => failures.push(`${subscriber}: ${error.message}`),
    });
    const heard: string[] = [];
    events.on(
      'batch.ended',
      () => {
        throw new Error('disk full');
      },
      { name: 'files' },
    );
    events.on('batch.ended', (e) => heard.push(e.status), { stage: 'announce' });
    await expect(events.emit('batch.ended', ended)).resolves.toBeUndefined();
    expect(failures).toEqual(['files: disk full']);
    expect(heard).toEqual(['completed']);
  });

  it('stops calling a subscriber once it unsubscribes', async () => {
    const events = new BatchEvents();
    const heard: string[] = [];
    const off = events.on('batch.ended', (e) => heard.push(e.batchId));
    await events.emit('batch.ended', ended);
    off();
    await events.emit('batch.ended', { ...ended, batchId: 'batch_2' });
    expect(heard).toEqual(['batch_1']);
  });
});
