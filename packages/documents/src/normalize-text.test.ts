import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeText, rewriteText } from './normalize-text.ts';

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

describe('normalizeText on text that is normal already', () => {
  it('answers as every step would, for any mix of the characters the steps act on', () => {
    const alphabet = [
      'a',
      'b',
      ' ',
      '  ',
      '\n',
      '\r',
      '\f',
      '\t',
      '\u0000',
      '\u000b',
      '\u007f',
      '\u0085',
      '\u00a0',
      '\u2003',
      '\u2028',
      '\u1680',
      '\ufeff',
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 24 }), (parts) => {
        const text = parts.join('');
        expect(normalizeText(text)).toBe(rewriteText(text));
      }),
      { numRuns: 5_000 },
    );
  });
});
