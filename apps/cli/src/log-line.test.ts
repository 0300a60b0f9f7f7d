import type { BatchObject } from '@nightshift/core';
import { describe, expect, it } from 'vitest';
import { escapeControls, formatLogLine, redisMessage } from './log-line.ts';

/** Every code point a terminal could act on. */
const terminalControls = (text: string) =>
  [...text].filter((char) => {
    const code = char.codePointAt(0) ?? 0;
    return code <= 0x1f || (code >= 0x7f && code <= 0x9f) || (code >= 0x2028 && code <= 0x2069);
  });

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

  it('escapes control characters that came from a request instead of writing them raw', async () => {
    // Request log lines as pino writes them (JSON.stringify), for a hostile path.
    const path = '/v1/\u001b[31mred\rfake\u009b2J\u007f\u202eevil';
    const written = [
      JSON.stringify({ level: 30, time: 0, msg: `GET ${path}`, path, 'k\u001b]0;t\u0007': 'v' }),
      JSON.stringify({ level: 30, time: 0, msg: '\u001b[1A\r', path: '/v1/\u001b[2J\u009b' }),
    ];
    for (const color of [false, true]) {
      for (const line of written) {
        const pretty = formatLogLine('api', line, { color });
        const raw = terminalControls(pretty).filter((char) => !(color && char === '\u001b'));
        expect(raw, pretty).toEqual([]);
      }
    }
    expect(formatLogLine('api', written[0] as string, { color: false })).toBe(
      'api       00:00:00 info  GET /v1/\\x1b[31mred\\rfake\\x9b2J\\x7f\\u202eevil ' +
        'path="/v1/\\u001b[31mred\\rfake\\x9b2J\\x7f\\u202eevil" k\\x1b]0;t\\x07=v',
    );
    expect(formatLogLine('api', written[1] as string, { color: false })).toBe(
      'api       00:00:00 info  \\x1b[1A\\r path=/v1/\\x1b[2J\\x9b',
    );
    const plain = formatLogLine('redis', 'oops \u001b[31m\r', { color: false });
    expect(plain).toBe('redis     oops \\x1b[31m\\r');
    expect(escapeControls('tab\there\nnext')).toBe('tab\\there\\nnext');
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
