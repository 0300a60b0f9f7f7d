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
