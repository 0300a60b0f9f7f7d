import { splitParagraphs, splitSentences } from './sentences.ts';
import { estimateTokens } from './tokens.ts';

/** Options of {@link chunkText}. */
export interface ChunkOptions {
  /** Upper bound of {@link estimateTokens} for every chunk. At least 16. */
  maxTokens: number;
  /**
   * Tokens of trailing sentences repeated at the start of the next chunk, so a thought cut at a
   * boundary is seen whole once. Must be below half of `maxTokens`. Default 0.
   */
  overlapTokens?: number;
}

interface Unit {
  text: string;
  /** Estimated tokens including one separator. */
  tokens: number;
  paragraphStart: boolean;
  /** Tokens of this unit and the rest of its paragraph. */
  paragraphRest: number;
}

/** Splits an over-long sentence at word boundaries (at characters for one giant "word"). */
function splitLong(sentence: string, limit: number): string[] {
  const pieces: string[] = [];
  let current = '';
  let currentTokens = 0;
  for (const word of sentence.split(' ')) {
    const words = estimateTokens(word) + 1 > limit ? hardSplit(word, limit) : [word];
    for (const w of words) {
      const t = estimateTokens(w) + 1;
      if (current !== '' && currentTokens + t > limit) {
        pieces.push(current);
        current = '';
        currentTokens = 0;
      }
      current = current === '' ? w : `${current} ${w}`;
      currentTokens += t;
    }
  }
  if (current !== '') pieces.push(current);
  return pieces;
}

function hardSplit(word: string, limit: number): string[] {
  // As many characters as the estimate allows (dense scripts count one token per character).
  const out: string[] = [];
  let rest = word;
  while (rest.length > 0) {
    let size = Math.max(1, Math.floor((limit - 1) * 3.6));
    while (size > 1 && estimateTokens(rest.slice(0, size)) + 1 > limit) {
      size = Math.floor(size * 0.9);
    }
    out.push(rest.slice(0, size));
    rest = rest.slice(size);
  }
  return out;
}

function unitsOf(text: string, unitLimit: number): Unit[] {
  const units: Unit[] = [];
  for (const paragraph of splitParagraphs(text)) {
    const first = units.length;
    for (const sentence of splitSentences(paragraph)) {
      const pieces =
        estimateTokens(sentence) + 1 > unitLimit ? splitLong(sentence, unitLimit) : [sentence];
      for (const piece of pieces) {
        units.push({
          text: piece,
          tokens: estimateTokens(piece) + 1,
          paragraphStart: units.length === first,
          paragraphRest: 0,
        });
      }
    }
    let rest = 0;
    for (let i = units.length - 1; i >= first; i--) {
      const unit = units[i] as Unit;
      rest += unit.tokens;
      unit.paragraphRest = rest;
    }
  }
  return units;
}

function join(units: Unit[]): string {
  let out = '';
  for (const [i, unit] of units.entries()) {
    out += i === 0 ? unit.text : `${unit.paragraphStart ? '\n\n' : ' '}${unit.text}`;
  }
  return out;
}

/**
 * Splits text into chunks of at most `maxTokens` estimated tokens, cutting between paragraphs
 * where it can (a chunk at least half full ends before a paragraph that would not fit), else
 * between sentences, and inside a sentence only when the sentence alone is too long.
 * Whitespace inside paragraphs is normalized. Deterministic: the same input gives the same
 * chunks, which resumable map-reduce relies on.
 *
 * @example
 * const chunks = chunkText(document, { maxTokens: 6000, overlapTokens: 200 });
 */
export function chunkText(text: string, options: ChunkOptions): string[] {
  const maxTokens = Math.floor(options.maxTokens);
  const overlap = Math.max(0, Math.floor(options.overlapTokens ?? 0));
  if (!(maxTokens >= 16))
    throw new RangeError(`chunkText: maxTokens must be >= 16, got ${options.maxTokens}`);
  if (overlap * 2 >= maxTokens) {
    throw new RangeError(`chunkText: overlapTokens (${overlap}) must be below maxTokens / 2`);
  }
  const units = unitsOf(text, maxTokens - overlap);
  const chunks: string[] = [];
  let current: Unit[] = [];
  let currentTokens = 0;
  let fresh = 0; // units added since the last cut (overlap units do not count as progress)

  const cut = () => {
    chunks.push(join(current));
    const carried: Unit[] = [];
    let carriedTokens = 0;
    for (let i = current.length - 1; i >= 0 && overlap > 0; i--) {
      const unit = current[i] as Unit;
      if (carriedTokens + unit.tokens > overlap) break;
      carried.unshift(unit);
      carriedTokens += unit.tokens;
    }
    current = carried;
    currentTokens = carriedTokens;
    fresh = 0;
  };

  for (const unit of units) {
    const overflows = currentTokens + unit.tokens > maxTokens;
    const betterAtParagraph =
      unit.paragraphStart &&
      currentTokens >= maxTokens / 2 &&
      currentTokens + unit.paragraphRest > maxTokens;
    if (fresh > 0 && (overflows || betterAtParagraph)) cut();
    current.push(unit);
    currentTokens += unit.tokens;
    fresh++;
  }
  if (fresh > 0) chunks.push(join(current));
  return chunks;
}
