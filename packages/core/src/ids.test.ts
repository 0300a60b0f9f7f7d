import { describe, expect, it } from 'vitest';
import { newBatchId, newOpenAiFileId, openAiFileIdPattern } from './ids.ts';

describe('sortable ids', () => {
  it('sort in the order made, also within one millisecond and when the clock steps back', () => {
    const ids = [
      newBatchId(1_800_000_000_000),
      newBatchId(1_800_000_000_000),
      newBatchId(1_800_000_000_000),
      newBatchId(1_799_999_999_999), // the clock stepped back
      newBatchId(1_800_000_000_001),
    ];
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('keep the shape of a file id', () => {
    const made = Array.from({ length: 50 }, () => newOpenAiFileId());
    expect(made.every((id) => openAiFileIdPattern.test(id))).toBe(true);
    expect([...made].sort()).toEqual(made);
  });
});
