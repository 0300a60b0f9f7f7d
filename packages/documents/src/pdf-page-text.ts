import type { PDFPageProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { TextItem, TextMarkedContent } from 'pdfjs-dist/types/src/display/api.js';

/** Vertical distance (PDF units) above which two text runs are on different lines. */
const lineThreshold = 4.6;
/** Horizontal gap (PDF units) between two runs on one line that reads as a table cell break. */
const cellThreshold = 7;

/**
 * Counts the text of a document while pdf.js streams it, so that a page (or a form repeated
 * a million times on it) cannot build more text than the limit before it is refused.
 */
export interface TextAllowance {
  /** Called with the strings of each chunk of text runs before they are kept; throws to stop reading. */
  take(texts: string[]): void;
}

/**
 * Reads a page's text runs as pdf.js streams them (about a hundred runs a chunk; pdf.js waits
 * while the chunk is unread) and lays them out as lines: a line break where a run starts
 * lower than `lineThreshold` and the line did not end already, a tab between runs of one line
 * further apart than `cellThreshold`. Same layout as pdf-parse's `getText`, which this replaces.
 * `allowance.take` can stop the read between chunks. The stream is then left unread, not
 * cancelled: pdf.js waits for the reader until the document is destroyed, whereas a cancel races
 * its worker's "close" into an unhandled rejection (pdf.js 5.4).
 */
export async function readPageText(page: PDFPageProxy, allowance: TextAllowance): Promise<string> {
  const viewport = page.getViewport({ scale: 1 });
  const reader = page.streamTextContent().getReader();
  const parts: string[] = [];
  let lastX: number | undefined;
  let lastY: number | undefined;
  let lineHeight = 0;
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) break;
    const items = (chunk.value as { items: (TextItem | TextMarkedContent)[] }).items;
    allowance.take(items.map((item) => ('str' in item ? item.str : '')));
    for (const item of items) {
      if (!('str' in item)) continue;
      const [x, y] = viewport.convertToViewportPoint(item.transform[4], item.transform[5]) as [
        number,
        number,
      ];
      let str = item.str;
      if (lastY !== undefined && Math.abs(lastY - y) > lineThreshold) {
        const previous = parts[parts.length - 1];
        const startsLine = str.startsWith('\n') || (str.trim() === '' && item.hasEOL);
        if (previous?.endsWith('\n') === false && !startsLine) {
          if (Math.abs(lastY - y) - 1 > lineHeight) {
            parts.push('\n');
            lineHeight = 0;
          }
        }
      }
      if (lastY !== undefined && Math.abs(lastY - y) < lineThreshold) {
        if (lastX !== undefined && Math.abs(lastX - x) > cellThreshold) str = `\t${str}`;
      }
      parts.push(str);
      lastX = x + item.width;
      lastY = y;
      lineHeight = Math.max(lineHeight, item.height);
      if (item.hasEOL) parts.push('\n');
      if (item.hasEOL || str.endsWith('\n')) lineHeight = 0;
    }
  }
  return parts.join('');
}
