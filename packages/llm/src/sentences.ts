/**
 * Paragraph and sentence splitting shared by chunking and the extractive summarizer. Rules of
 * thumb, not linguistics: blank lines separate paragraphs, single line breaks are wrapping
 * (except list items), and a sentence ends at . ! ? … (or 。！？) unless the word before the
 * period is a known abbreviation or an initial, or the next word starts in lower case.
 */

const abbreviations = new Set(
  (
    'mr mrs ms dr prof sr jr st vs etc e.g i.e cf fig figs no nos inc ltd co corp approx dept est ' +
    'jan feb mar apr jun jul aug sep sept oct nov dec mt ft ca al gen col lt sgt rev vol pp ' +
    'u.s u.k z.b bzw usw ggf inkl evtl p.s a.m p.m'
  ).split(' '),
);

const listItem = /^\s*(?:[-*•·▪–]|\d{1,3}[.)]|[a-z][.)])\s+/;

/**
 * Paragraphs of `text` (separated by blank lines), trimmed, empty ones dropped.
 *
 * @example
 * splitParagraphs('One.\n\nTwo.') // ['One.', 'Two.']
 */
export function splitParagraphs(text: string): string[] {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n+/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

/** Lines of a paragraph grouped so that each list item stays apart and wrapped prose joins. */
function blocksOf(paragraph: string): string[] {
  const blocks: string[] = [];
  for (const line of paragraph.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    const last = blocks.length - 1;
    if (last >= 0 && !listItem.test(trimmed)) blocks[last] = `${blocks[last]} ${trimmed}`;
    else blocks.push(trimmed);
  }
  return blocks;
}

const terminator = /([.!?…]+|[。！？]+)(["'”’»)\]]*)(\s+|$)|([。！？]+)(["'”’」』)]*)/gu;

function endsWithAbbreviation(text: string, end: number): boolean {
  const start = text.lastIndexOf(' ', end - 1) + 1;
  const word = text
    .slice(start, end)
    .replace(/^["'“‘([]+/, '')
    .toLowerCase();
  if (word.length === 1 && /\p{L}/u.test(word)) return true; // an initial: "J. Smith"
  return abbreviations.has(word);
}

function splitBlock(block: string, out: string[]): void {
  const text = block.replace(/\s+/g, ' ');
  let start = 0;
  terminator.lastIndex = 0;
  for (let match = terminator.exec(text); match !== null; match = terminator.exec(text)) {
    const dense = match[4] !== undefined;
    const marks = dense ? (match[4] ?? '') : (match[1] ?? '');
    const closing = dense ? (match[5] ?? '') : (match[2] ?? '');
    const end = match.index + marks.length + closing.length;
    if (!dense) {
      const next = text.charAt(match.index + match[0].length);
      if (marks === '.' && endsWithAbbreviation(text, match.index)) continue;
      if (next !== '' && /\p{Ll}/u.test(next)) continue;
    }
    const sentence = text.slice(start, end).trim();
    if (sentence) out.push(sentence);
    start = match.index + match[0].length;
  }
  const rest = text.slice(start).trim();
  if (rest) out.push(rest);
}

/**
 * Sentences of one paragraph, whitespace normalized, in order.
 *
 * @example
 * splitSentences('Dr. Smith arrived. He sat down.') // ['Dr. Smith arrived.', 'He sat down.']
 */
export function splitSentences(paragraph: string): string[] {
  const out: string[] = [];
  for (const block of blocksOf(paragraph)) splitBlock(block, out);
  return out;
}
