import { describe, expect, it } from 'vitest';
import { normalizeText } from './normalize-text.ts';

describe('normalizeText', () => {
  it('strips NUL and other control characters', () => {
    expect(normalizeText('a\u0000b\u0007c\u009fd')).toBe('abcd');
  });

  it('collapses spaces and tabs, trims lines and the whole text', () => {
    expect(normalizeText('  one \t two\u00a0 three  \n  four  ')).toBe('one two three\nfour');
  });

  it('keeps paragraph breaks but at most one blank line', () => {
    expect(normalizeText('a\r\n\r\n\r\n\r\nb\rc\fd')).toBe('a\n\nb\nc\n\nd');
  });

  it('drops a byte order mark', () => {
    expect(normalizeText('\ufeffHello')).toBe('Hello');
  });
});
