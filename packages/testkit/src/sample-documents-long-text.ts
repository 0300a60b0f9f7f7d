/** Options of {@link longText}. */
export interface LongTextOptions {
  /** Seed of the generator: the same seed and word count always give the same text. Default 1. */
  seed?: number;
}

const subjects = [
  'the scheduler',
  'the worker',
  'the night batch',
  'each document',
  'the fallback model',
  'the queue',
  'the operator',
  'the webhook receiver',
  'the summary',
  'the cold lane',
  'the hot lane',
  'the archive',
];
const verbs = [
  'waits for',
  'reads',
  'updates',
  'compares',
  'hands back',
  'records',
  'checks',
  'splits',
  'merges',
  'reports',
  'retries',
  'measures',
];
const objects = [
  'the free memory on the card',
  'a long quarterly report',
  'the context window of the model',
  'every failed delivery',
  'the list of pending jobs',
  'a signed callback',
  'the chunk boundaries',
  'the token usage of the run',
  'the off-peak window',
  'a scanned invoice',
  'the retry schedule',
  'the results of the previous night',
];
const tails = [
  'before the window closes',
  'while the card is busy',
  'after the last chunk arrives',
  'without losing any work',
  'as soon as memory allows',
  'in the order the tenants submitted them',
  'so that nothing runs twice',
  'when the main model is unavailable',
];

/** mulberry32: tiny, fast, and good enough to make test text (and test data) look varied yet reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(items: readonly T[], next: () => number): T {
  return items[Math.floor(next() * items.length)] as T;
}

function sentenceWords(next: () => number): string[] {
  const parts = [pick(subjects, next), pick(verbs, next), pick(objects, next)];
  if (next() < 0.6) parts.push(pick(tails, next));
  const words = parts.join(' ').split(' ');
  words[0] = `${words[0]?.charAt(0).toUpperCase()}${words[0]?.slice(1)}`;
  return words;
}

/**
 * Builds a long multi-paragraph English document with exactly `words` words (whitespace
 * separated), deterministically. Paragraphs hold 3 to 7 sentences and are separated by a blank
 * line; every sentence ends with a period. Meant for chunking and map-reduce tests.
 *
 * @example
 * ```ts
 * const text = longText(20_000);
 * expect(text.split(/\s+/).length).toBe(20_000);
 * ```
 */
export function longText(words: number, options: LongTextOptions = {}): string {
  if (!Number.isInteger(words) || words < 0) {
    throw new RangeError(`longText: words must be a non-negative integer, got ${words}`);
  }
  const next = prng(options.seed ?? 1);
  const paragraphs: string[] = [];
  let sentences: string[] = [];
  let sentencesLeft = 3 + Math.floor(next() * 5);
  let remaining = words;
  while (remaining > 0) {
    const sentence = sentenceWords(next).slice(0, remaining);
    remaining -= sentence.length;
    sentences.push(`${sentence.join(' ')}.`);
    sentencesLeft -= 1;
    if (sentencesLeft === 0 || remaining === 0) {
      paragraphs.push(sentences.join(' '));
      sentences = [];
      sentencesLeft = 3 + Math.floor(next() * 5);
    }
  }
  return paragraphs.join('\n\n');
}
