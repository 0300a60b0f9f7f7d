// Han, Hiragana/Katakana, Hangul: roughly one token per character in common tokenizers.
const denseScript = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]/g;

/** Characters per token assumed for alphabetic scripts; below the ~4 of English on purpose. */
const charsPerToken = 3.6;

/**
 * A conservative token estimate without a tokenizer: about one token per 3.6 characters for
 * alphabetic text and one per character for CJK. Real tokenizers (Qwen, Llama) usually come in
 * below it for English, so chunks sized with it fit the real context window.
 *
 * @example
 * estimateTokens('The quick brown fox.') // 6
 */
export function estimateTokens(text: string): number {
  if (text.length === 0) return 0;
  const dense = text.match(denseScript)?.length ?? 0;
  return Math.ceil((text.length - dense) / charsPerToken) + dense;
}

/**
 * Words in `text` (whitespace-separated; a CJK run without spaces counts by characters / 2).
 *
 * @example
 * countWords('two words') // 2
 */
export function countWords(text: string): number {
  const dense = text.match(denseScript)?.length ?? 0;
  const spaced = text
    .replace(denseScript, ' ')
    .split(/\s+/)
    .filter((w) => w.length > 0).length;
  return spaced + Math.ceil(dense / 2);
}
