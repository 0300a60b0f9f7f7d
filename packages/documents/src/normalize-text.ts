/**
 * Normalizes extracted or submitted text for summarization: NUL and other control characters
 * removed (tab and newline kept as whitespace), line endings made `\n`, runs of spaces and tabs
 * made one space, trailing spaces cut from lines, more than one blank line made one, and the
 * whole trimmed. Paragraph breaks survive, because chunking splits on them.
 *
 * @example
 * ```ts
 * normalizeText('a\u0000b \t c\r\n\r\n\r\nd  ') // 'ab c\n\nd'
 * ```
 */
export function normalizeText(text: string): string {
  // Most submitted texts are normal already: one scan finds that, instead of seven rewrites.
  return needsRewriting.test(text) ? rewriteText(text) : text.trim();
}

/**
 * Anything one of {@link rewriteText}'s steps would change, other than the final trim: a character
 * it replaces or removes, whitespace other than one space between words, a space at a line's
 * end or start, or more than one blank line.
 */
const needsRewriting =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point.
  /[\r\f\u0000-\u0008\u000b\u000e-\u001f\u007f-\u009f\ufeff\t\u00a0\u2000-\u200a\u202f\u205f\u3000]| {2}| \n|\n |\n\n\n/;

/** Every step of {@link normalizeText}, for text that needs one. */
export function rewriteText(text: string): string {
  return (
    text
      .replace(/\r\n?/g, '\n')
      // A form feed is a page break in plain text: keep it as a paragraph break.
      .replace(/\f/g, '\n\n')
      // C0 controls except \t and \n, DEL, and C1 controls carry no meaning in prose.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point.
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, '')
      .replace(/^\ufeff/, '')
      .replace(/[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+/g, ' ')
      .replace(/ ?\n ?/g, '\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim()
  );
}
