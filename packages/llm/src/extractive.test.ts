import { longText, sampleTexts } from '@nightshift/testkit/sample-documents';
import { describe, expect, it } from 'vitest';
import { LlmError } from './errors.ts';
import { createExtractiveProvider, extractiveSummary } from './extractive.ts';
import { splitParagraphs, splitSentences } from './sentences.ts';

const wordCount = (text: string) => text.split(/\s+/).filter((w) => w.length > 0).length;

// On-topic sentences about GPU memory and the queue, with digressions mixed in; the document
// opens with a digression so that "take the first sentences" would be wrong.
const offTopic = [
  'The office kitchen got a new coffee machine on Monday.',
  'Several colleagues went hiking in the mountains over the weekend.',
  'The parking garage will be repainted next spring.',
];
const central = [
  'The GPU ran out of memory when the queue admitted a fourth long document.',
  'Each long document needs GPU memory for its cache, so the queue must check free GPU memory before admitting work.',
  'The worker now reads free GPU memory and holds queue work when memory runs short.',
];
const filler = [
  'The model weights occupy most of the memory on the card.',
  'Night batches run from the queue after office hours.',
  'A fallback model answers when the main model is unavailable.',
];
const doc = [
  `${offTopic[0]} ${central[0]} ${filler[0]}`,
  `${offTopic[1]} ${central[1]} ${filler[1]}`,
  `${filler[2]} ${offTopic[2]} ${central[2]}`,
].join('\n\n');

function sentencesOf(summary: string): string[] {
  return splitSentences(summary.replace(/^- /gm, ''));
}

describe('extractiveSummary', () => {
  it('picks the central sentences and leaves out the digressions', () => {
    const summary = extractiveSummary(doc, { maxWords: 60 });
    const picked = sentencesOf(summary);
    for (const sentence of central) expect(picked).toContain(sentence);
    for (const sentence of offTopic) expect(picked).not.toContain(sentence);
  });

  it('is not a prefix of the text', () => {
    const summary = extractiveSummary(doc, { maxWords: 40 });
    expect(summary.length).toBeGreaterThan(0);
    expect(doc.replace(/\s+/g, ' ').startsWith(summary)).toBe(false);
    expect(summary.startsWith(offTopic[0] as string)).toBe(false);
  });

  it('respects maxWords for every budget and keeps the original order', () => {
    const originals = splitParagraphs(sampleTexts.gpuIncident).flatMap(splitSentences);
    for (const maxWords of [15, 30, 60, 120]) {
      const summary = extractiveSummary(sampleTexts.gpuIncident, { maxWords });
      expect(wordCount(summary)).toBeLessThanOrEqual(maxWords);
      const positions = sentencesOf(summary).map((s) => originals.indexOf(s));
      expect(positions.every((p) => p >= 0)).toBe(true);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
    }
  });

  it('is deterministic and does not repeat a sentence it already picked', () => {
    const repeated = `${doc}\n\n${central[0]}`;
    const first = extractiveSummary(repeated, { maxWords: 60 });
    expect(extractiveSummary(repeated, { maxWords: 60 })).toBe(first);
    expect(first.split(central[0] as string)).toHaveLength(2);
  });

  it('renders bullets and headlines', () => {
    const bullets = extractiveSummary(doc, { maxWords: 60, style: 'bullets' });
    expect(bullets.split('\n').every((line) => line.startsWith('- '))).toBe(true);
    const headline = extractiveSummary(doc, { style: 'headline', maxWords: 20 });
    expect(central).toContain(headline);
  });

  it('returns short texts whole and truncates a lone giant sentence', () => {
    expect(extractiveSummary('Short text. Two sentences.', { maxWords: 50 })).toBe(
      'Short text. Two sentences.',
    );
    expect(extractiveSummary('', { maxWords: 50 })).toBe('');
    const giant = Array.from({ length: 100 }, (_, i) => `word${i}`).join(' ');
    const summary = extractiveSummary(`${giant}.`, { maxWords: 10 });
    expect(wordCount(summary)).toBe(10);
  });

  it('handles a 1 MB document within the word budget', () => {
    const big = longText(180_000, { seed: 3 });
    expect(big.length).toBeGreaterThan(1_000_000);
    const summary = extractiveSummary(big, { maxWords: 150 });
    expect(wordCount(summary)).toBeLessThanOrEqual(150);
    expect(wordCount(summary)).toBeGreaterThan(100);
  });
});

describe('extractive provider', () => {
  it('summarizes the prompt to summary.maxWords with zero model usage', async () => {
    const provider = createExtractiveProvider();
    const result = await provider.complete({
      model: 'extractive',
      system: 'ignored',
      prompt: doc,
      summary: { maxWords: 30 },
    });
    expect(result.model).toBe('extractive');
    expect(result.usage).toEqual({ promptTokens: 0, completionTokens: 0 });
    expect(wordCount(result.text)).toBeLessThanOrEqual(30);
    expect(provider.unboundedContext).toBe(true);

    const fromTokens = await provider.complete({ model: 'extractive', prompt: doc, maxTokens: 20 });
    expect(wordCount(fromTokens.text)).toBeLessThanOrEqual(15);
  });

  it('refuses an aborted call', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      createExtractiveProvider().complete({
        model: 'extractive',
        prompt: doc,
        signal: controller.signal,
      }),
    ).rejects.toBeInstanceOf(LlmError);
  });
});
