import { describe, expect, it } from 'vitest';
import { defaultMaxWords, summarySystemPrompt } from './prompts.ts';

describe('summarySystemPrompt', () => {
  it('puts length, style and language into the final prompt', () => {
    const prompt = summarySystemPrompt({
      stage: 'whole',
      final: true,
      maxWords: 120,
      summary: { style: 'headline', language: 'fr' },
    });
    expect(prompt).toMatch(/at most 120 words/);
    expect(prompt).toMatch(/single headline line/);
    expect(prompt).toMatch(/language: fr/);
  });

  it('keeps map and intermediate merge prompts style-free and in the text language', () => {
    const part = summarySystemPrompt({
      stage: 'part',
      final: false,
      maxWords: 90,
      summary: { style: 'bullets', language: 'de' },
      part: { index: 2, total: 7 },
    });
    expect(part).toMatch(/part 2 of 7/);
    expect(part).toMatch(/at most 90 words/);
    expect(part).not.toMatch(/bullet/);
    expect(part).toMatch(/language of the text/);
    const merge = summarySystemPrompt({ stage: 'merge', final: false, maxWords: 90 });
    expect(merge).toMatch(/consecutive parts/);
    expect(merge).toMatch(/Remove repetition/);
  });

  it('defaults to 200 words, 20 for headlines, and paragraph prose in the document language', () => {
    expect(defaultMaxWords(undefined)).toBe(200);
    expect(defaultMaxWords('headline')).toBe(20);
    const prompt = summarySystemPrompt({ stage: 'merge', final: true, maxWords: 200 });
    expect(prompt).toMatch(/plain prose/);
    expect(prompt).toMatch(/language of the document/);
  });
});
