import type { SummaryOptions } from '@nightshift/core';
import { LlmError } from './errors.ts';
import { splitParagraphs, splitSentences } from './sentences.ts';
import { stopwords } from './stopwords.ts';
import type { CompletionRequest, CompletionResult, LlmProvider } from './types.ts';
import { zeroUsage } from './types.ts';

/** Options of {@link extractiveSummary}. */
export interface ExtractiveOptions {
  /** Word budget of the summary. Default 200 (headline: 20). */
  maxWords?: number;
  /** `paragraph` (sentences joined), `bullets` (`- ` lines) or `headline` (the single best sentence). */
  style?: SummaryOptions['style'];
}

interface Sentence {
  text: string;
  index: number;
  words: number;
  /** Sparse tf-idf vector: term id → weight. */
  vector: Map<number, number>;
  norm: number;
  score: number;
}

const termPattern = /[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu;

/** Lower-cased content terms, with a light plural fold so "models" and "model" meet. */
function termsOf(text: string): string[] {
  const terms: string[] = [];
  for (const match of text.toLowerCase().matchAll(termPattern)) {
    let term = match[0].replace(/['’]s$/, '');
    if (term.length < 2 || stopwords.has(term) || /^\d+$/.test(term)) continue;
    if (term.length > 4 && term.endsWith('ies')) term = `${term.slice(0, -3)}y`;
    else if (term.length > 3 && term.endsWith('s') && !term.endsWith('ss'))
      term = term.slice(0, -1);
    terms.push(term);
  }
  return terms;
}

function wordCount(text: string): number {
  return text.split(/\s+/).filter((w) => w.length > 0).length;
}

function cosine(a: Sentence, b: Sentence): number {
  if (a.norm === 0 || b.norm === 0) return 0;
  const [small, large] = a.vector.size < b.vector.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [term, weight] of small.vector) dot += weight * (large.vector.get(term) ?? 0);
  return dot / (a.norm * b.norm);
}

/** Builds tf-idf sentence vectors and scores each by its similarity to the rest of the text. */
function scoreSentences(texts: string[], paragraphStarts: Set<number>): Sentence[] {
  const ids = new Map<string, number>();
  const termLists = texts.map((text) =>
    termsOf(text).map((term) => {
      let id = ids.get(term);
      if (id === undefined) {
        id = ids.size;
        ids.set(term, id);
      }
      return id;
    }),
  );
  const df = new Float64Array(ids.size);
  const tfDoc = new Float64Array(ids.size);
  for (const list of termLists) {
    for (const id of list) tfDoc[id] = (tfDoc[id] ?? 0) + 1;
    for (const id of new Set(list)) df[id] = (df[id] ?? 0) + 1;
  }
  const n = texts.length;
  // Smoothed idf: a term in every sentence still counts a little, a hapax counts most.
  const idf = Float64Array.from(df, (d) => Math.log((n + 1) / (d + 0.5)));
  const centroid = Float64Array.from(tfDoc, (tf, id) => tf * (idf[id] ?? 0));
  let centroidNorm = 0;
  for (const w of centroid) centroidNorm += w * w;
  centroidNorm = Math.sqrt(centroidNorm) || 1;

  return texts.map((text, index) => {
    const counts = new Map<number, number>();
    for (const id of termLists[index] ?? []) counts.set(id, (counts.get(id) ?? 0) + 1);
    const vector = new Map<number, number>();
    let norm = 0;
    let dot = 0;
    for (const [id, tf] of counts) {
      const weight = tf * (idf[id] ?? 0);
      vector.set(id, weight);
      norm += weight * weight;
      // Leave-one-out: only what the rest of the text shares with this sentence counts, or
      // sentences full of words used nowhere else would look central.
      dot += weight * ((tfDoc[id] ?? 0) - tf) * (idf[id] ?? 0);
    }
    norm = Math.sqrt(norm);
    const words = wordCount(text);
    let score = norm === 0 ? 0 : dot / (norm * centroidNorm);
    // Fragments ("See below.") are rarely informative; very long sentences eat the budget.
    score *= Math.min(1, words / 8);
    // Mild lead bias: openings and paragraph starts tend to state the topic.
    if (index === 0) score *= 1.1;
    else if (paragraphStarts.has(index)) score *= 1.03;
    return { text, index, words, vector, norm, score };
  });
}

function truncateWords(text: string, maxWords: number): string {
  const words = text.split(/\s+/).filter((w) => w.length > 0);
  return words.length <= maxWords ? text : `${words.slice(0, maxWords).join(' ')}…`;
}

function render(sentences: string[], style: ExtractiveOptions['style']): string {
  if (style === 'bullets') return sentences.map((s) => `- ${s}`).join('\n');
  return sentences.join(' ');
}

/**
 * A real extractive summary: splits the text into sentences, scores each by tf-idf cosine
 * similarity to the rest of the document (a leave-one-out centroid), then picks the best sentences that fit
 * `maxWords`, skipping near-duplicates of sentences already picked, and prints them in their
 * original order. Deterministic; linear in the text size (a 1 MB text takes well under a second).
 *
 * @example
 * extractiveSummary(report, { maxWords: 120 }) // the report's most central sentences, in order
 */
export function extractiveSummary(text: string, options: ExtractiveOptions = {}): string {
  const style = options.style ?? 'paragraph';
  const maxWords = Math.max(1, Math.floor(options.maxWords ?? (style === 'headline' ? 20 : 200)));
  const texts: string[] = [];
  const paragraphStarts = new Set<number>();
  for (const paragraph of splitParagraphs(text)) {
    paragraphStarts.add(texts.length);
    texts.push(...splitSentences(paragraph));
  }
  if (texts.length === 0) return '';
  const sentences = scoreSentences(texts, paragraphStarts);
  const ranked = [...sentences].sort((a, b) => b.score - a.score || a.index - b.index);
  const best = ranked[0] as Sentence;
  if (style === 'headline') {
    const fitting = ranked.find((s) => s.words <= maxWords);
    return fitting ? fitting.text : truncateWords(best.text, maxWords);
  }
  const total = sentences.reduce((sum, s) => sum + s.words, 0);
  if (total <= maxWords) return render(texts, style);

  const picked: Sentence[] = [];
  let remaining = maxWords;
  for (const candidate of ranked) {
    if (remaining < 4) break;
    // Sentences sharing next to nothing with the rest are digressions, even if they would fit.
    if (candidate.score <= best.score * 0.1) break;
    if (candidate.words > remaining) continue;
    if (picked.some((p) => cosine(p, candidate) > 0.7)) continue;
    picked.push(candidate);
    remaining -= candidate.words;
  }
  if (picked.length === 0) return render([truncateWords(best.text, maxWords)], style);
  picked.sort((a, b) => a.index - b.index);
  return render(
    picked.map((s) => s.text),
    style,
  );
}

/** Options of {@link createExtractiveProvider}. */
export interface ExtractiveProviderOptions {
  /** Word budget when a request carries neither `summary.maxWords` nor `maxTokens`. Default 200. */
  defaultMaxWords?: number;
}

/**
 * A provider that needs no model: {@link extractiveSummary} of the prompt, sized by the
 * request's `summary.maxWords` (else ¾ of `maxTokens`). It ignores the system prompt, answers
 * as model `extractive` and reports zero usage: no model tokens were spent.
 *
 * @example
 * const chain = createModelChain({ targets: [{ provider: ollama, model: 'qwen3:32b' }, { provider: createExtractiveProvider(), model: 'extractive' }] });
 */
export function createExtractiveProvider(options: ExtractiveProviderOptions = {}): LlmProvider {
  return {
    name: 'extractive',
    unboundedContext: true,
    async complete(request: CompletionRequest): Promise<CompletionResult> {
      if (request.signal?.aborted) {
        throw new LlmError('aborted', 'extractive: call aborted', { model: request.model });
      }
      const maxWords =
        request.summary?.maxWords ??
        (request.maxTokens !== undefined
          ? Math.max(1, Math.floor(request.maxTokens * 0.75))
          : (options.defaultMaxWords ?? 200));
      const text = extractiveSummary(request.prompt, { maxWords, style: request.summary?.style });
      return { text, model: 'extractive', usage: { ...zeroUsage } };
    },
  };
}
