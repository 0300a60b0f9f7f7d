import { describe, expect, it } from 'vitest';
import { validateBatchInput } from './batch-input-validation.ts';

const line = (customId: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    custom_id: customId,
    method: 'POST',
    url: '/v1/embeddings',
    body: { model: 'm', input: customId },
    ...extra,
  });

/** The text as a stream cut into pieces of `size` bytes: lines straddle the pieces. */
async function* pieces(text: string, size: number) {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

const check = (text: string, size = 5, maxLines = 100) =>
  validateBatchInput(pieces(text, size), { endpoint: '/v1/embeddings', maxLines });

describe('validateBatchInput', () => {
  it("finds each request's bytes, whatever the chunking, CRLF and blank lines", async () => {
    const text = `${line('a')}\r\n\n${line('é-b')}\n   \n${line('c')}`;
    for (const size of [1, 3, 64, 10_000]) {
      const { requests, errors, model } = await check(text, size);
      expect(errors).toEqual([]);
      expect(model).toBe('m');
      expect(requests.map((r) => [r.customId, r.line])).toEqual([
        ['a', 1],
        ['é-b', 3],
        ['c', 5],
      ]);
      const bytes = Buffer.from(text);
      for (const r of requests) {
        const parsed = JSON.parse(bytes.subarray(r.offset, r.offset + r.length).toString());
        expect(parsed.custom_id).toBe(r.customId);
      }
    }
  });

  it('names the line of every fault', async () => {
    const text = [
      line('a'),
      'not json',
      line('a'),
      line('b', { method: 'GET' }),
      line('c', { url: '/v1/chat/completions' }),
      line('d', { body: { input: 'no model' } }),
      line('e', { body: { model: 'other', input: 'x' } }),
      JSON.stringify({ method: 'POST' }),
      '[1,2]',
    ].join('\n');
    const { errors, requests } = await check(text);
    expect(errors.map((e) => [e.line, e.code])).toEqual([
      [2, 'invalid_json_line'],
      [3, 'duplicate_custom_id'],
      [4, 'invalid_method'],
      [5, 'invalid_url'],
      [6, 'missing_required_parameter'],
      [7, 'mismatched_model'],
      [8, 'missing_required_parameter'],
      [9, 'invalid_request'],
    ]);
    expect(errors[1]?.message).toContain("custom_id 'a'");
    expect(requests.map((r) => r.customId)).toEqual(['a']);
  });

  it('stops at the line past the limit, and refuses an empty file', async () => {
    const text = ['a', 'b', 'c', 'd'].map((id) => line(id)).join('\n');
    const { errors } = await check(text, 7, 3);
    expect(errors).toEqual([expect.objectContaining({ line: 4, code: 'too_many_requests' })]);
    expect((await check('\n\n')).errors).toEqual([
      expect.objectContaining({ code: 'empty_file', line: null }),
    ]);
  });

  it('fails a line nested past 64 levels, wherever the depth is, and keeps the others', async () => {
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    const nestedLine = (id: string, depth: number) =>
      `{"custom_id":"${id}","method":"POST","url":"/v1/embeddings","body":{"model":"m","input":"x","extra":${deep(depth)}}}`;
    // The line object and its body are two levels: 62 more make 64, 63 more make 65.
    const text = [
      nestedLine('fits', 62),
      nestedLine('too-deep', 63),
      nestedLine('huge', 200_000),
    ].join('\n');
    const { errors, requests } = await check(text, 4096);
    expect(errors.map((e) => [e.line, e.code])).toEqual([
      [2, 'too_deeply_nested'],
      [3, 'too_deeply_nested'],
    ]);
    expect(errors[0]?.message).toMatch(/^Line 2: .*64 levels/);
    expect(requests.map((r) => r.customId)).toEqual(['fits']);
  });
});
