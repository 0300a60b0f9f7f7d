import type { BatchObject } from '@nightshift/core';
import { describe, expect, it } from 'vitest';
import { formatLogLine, redisMessage } from './log-line.ts';
import { renderProgress } from './progress-bar.ts';

describe('formatLogLine', () => {
  it('puts the service first and unpacks pino JSON into one compact line', () => {
    const line = JSON.stringify({
      level: 50,
      time: Date.UTC(2026, 0, 1, 12, 34, 56),
      pid: 1,
      hostname: 'h',
      name: 'worker',
      msg: 'job failed',
      lane: 'cold',
      err: { type: 'Error', message: 'CUDA out of memory', stack: '…' },
    });
    expect(formatLogLine('worker', line, { color: false })).toBe(
      'worker    12:34:56 error job failed lane=cold err="CUDA out of memory"',
    );
  });

  it('passes lines that are not JSON through, prefixed', () => {
    expect(formatLogLine('api', 'plain text {', { color: false })).toBe('api       plain text {');
  });

  it('strips Redis prefixes and drops its start-up boilerplate', () => {
    expect(redisMessage('3673:M 27 Nov 2026 09:24:15.129 # Redis is now ready to exit')).toBe(
      'Redis is now ready to exit',
    );
    expect(redisMessage('3673:C 27 Nov 2026 09:23:31.649 # Configuration loaded')).toBeUndefined();
  });
});

describe('renderProgress', () => {
  it('fills the bar by finished documents and names failures', () => {
    const batch = {
      status: 'running',
      counts: {
        total: 4,
        queued: 1,
        running: 1,
        succeeded: 1,
        failed: 1,
        cancelled: 0,
        expired: 0,
      },
    } as BatchObject;
    expect(renderProgress(batch, 8)).toBe('[####----] 2/4 · 1 running · 1 failed · running');
  });
});
