import { longText } from '@nightshift/testkit/sample-documents';
import { describe, expect, it } from 'vitest';
import { chunkText } from './chunking.ts';
import { splitParagraphs, splitSentences } from './sentences.ts';
import { estimateTokens } from './tokens.ts';

const words = (text: string) => text.split(/\s+/).filter((w) => w.length > 0);

describe('splitSentences / splitParagraphs', () => {
  it('splits on sentence ends but not after abbreviations, initials or decimals', () => {
    expect(
      splitSentences(
        'Dr. Smith met J. Doe at 3.5 p.m. in the U.S. office. Was it fine? Yes! It was… Good.',
      ),
    ).toEqual([
      'Dr. Smith met J. Doe at 3.5 p.m. in the U.S. office.',
      'Was it fine?',
      'Yes!',
      'It was…',
      'Good.',
    ]);
  });

  it('keeps list items apart, joins wrapped lines and handles CJK punctuation', () => {
    expect(splitSentences('Agenda for the\nweek\n- item one\n- item two')).toEqual([
      'Agenda for the week',
      '- item one',
      '- item two',
    ]);
    expect(splitSentences('第一句。第二句！第三句')).toEqual(['第一句。', '第二句！', '第三句']);
    expect(splitParagraphs('a\n\n\n b \r\n\r\nc')).toEqual(['a', 'b', 'c']);
  });
});

describe('estimateTokens', () => {
  it('is conservative for English and counts CJK per character', () => {
    expect(estimateTokens('')).toBe(0);
    const english = 'The quick brown fox jumps over the lazy dog.';
    expect(estimateTokens(english)).toBeGreaterThanOrEqual(10); // real tokenizers: ~10
    expect(estimateTokens('夜间批处理')).toBe(5);
  });
});

describe('chunkText', () => {
  const text = longText(6000, { seed: 7 });

  it('keeps every chunk within maxTokens and loses no words', () => {
    const chunks = chunkText(text, { maxTokens: 500 });
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) expect(estimateTokens(chunk)).toBeLessThanOrEqual(500);
    expect(chunks.flatMap(words)).toEqual(words(text));
  });

  it('returns the text as one chunk when it fits', () => {
    expect(chunkText('One sentence. Two sentences.', { maxTokens: 100 })).toEqual([
      'One sentence. Two sentences.',
    ]);
    expect(chunkText('   ', { maxTokens: 100 })).toEqual([]);
  });

  it('cuts between paragraphs when a chunk is at least half full', () => {
    const paragraph = (n: number) =>
      Array.from(
        { length: 6 },
        (_, i) => `Paragraph ${n} makes point number ${i} about the queue.`,
      ).join(' ');
    const doc = [paragraph(1), paragraph(2), paragraph(3)].join('\n\n');
    const chunks = chunkText(doc, { maxTokens: Math.ceil(estimateTokens(paragraph(1)) * 1.6) });
    expect(chunks).toEqual([paragraph(1), paragraph(2), paragraph(3)]);
  });

  it('repeats trailing sentences as overlap, within the limit', () => {
    const chunks = chunkText(text, { maxTokens: 400, overlapTokens: 60 });
    for (const chunk of chunks) expect(estimateTokens(chunk)).toBeLessThanOrEqual(400);
    for (let i = 1; i < chunks.length; i++) {
      const previous = splitSentences((chunks[i - 1] ?? '').replace(/\n\n/g, ' '));
      const first = splitSentences((chunks[i] ?? '').split('\n\n')[0] ?? '')[0];
      expect(previous).toContain(first);
    }
    expect(chunkText(text, { maxTokens: 400, overlapTokens: 60 })).toEqual(chunks);
  });

  it('splits an endless sentence at words, and a giant word at characters', () => {
    const endless = Array.from({ length: 400 }, (_, i) => `w${i}`).join(' ');
    const chunks = chunkText(endless, { maxTokens: 50 });
    for (const chunk of chunks) expect(estimateTokens(chunk)).toBeLessThanOrEqual(50);
    expect(chunks.flatMap(words)).toEqual(words(endless));
    const giant = 'x'.repeat(1000);
    const pieces = chunkText(giant, { maxTokens: 40 });
    expect(pieces.join('')).toBe(giant);
    for (const piece of pieces) expect(estimateTokens(piece)).toBeLessThanOrEqual(40);
  });

  it('rejects impossible settings', () => {
    expect(() => chunkText(text, { maxTokens: 8 })).toThrow(RangeError);
    expect(() => chunkText(text, { maxTokens: 100, overlapTokens: 50 })).toThrow(RangeError);
  });
});
