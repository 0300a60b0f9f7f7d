import { corruptPdf, notAPdf, textPdf } from '@nightshift/testkit/sample-documents';
import { describe, expect, it } from 'vitest';
import { type DocumentInput, inspectDocument } from './inspect.ts';
import { DocumentStreamInspector } from './stream-inspector.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);

/** Outcome of the whole-bytes check: kind or error code. */
function whole(input: DocumentInput, max: number): string {
  try {
    return inspectDocument(input, { maxDocumentBytes: max }).kind;
  } catch (error) {
    return (error as { code: string }).code;
  }
}

/** Outcome of the streaming check with `size`-byte chunks. */
function streamed(input: DocumentInput, max: number, size: number): string {
  const bytes = input.bytes ?? new Uint8Array(0);
  const inspector = new DocumentStreamInspector(input, { maxDocumentBytes: max });
  for (let at = 0; at < bytes.length; at += size) inspector.push(bytes.subarray(at, at + size));
  try {
    const result = inspector.end();
    expect(result.byteLength).toBe(bytes.length);
    return result.kind;
  } catch (error) {
    return (error as { code: string }).code;
  }
}

describe('DocumentStreamInspector', () => {
  it('decides like inspectDocument on the whole bytes, whatever the chunk size', async () => {
    const pdf = await textPdf(['hello']);
    const junkThenPdf = new Uint8Array([...new Uint8Array(1000).fill(0x20), ...pdf]);
    const lateHeader = new Uint8Array([...new Uint8Array(1020).fill(0x20), ...pdf]);
    const long = utf8(`${'Grüße aus Köln. '.repeat(500)}`);
    const inputs: DocumentInput[] = [
      { bytes: pdf },
      { bytes: pdf, contentType: 'application/pdf' },
      { bytes: junkThenPdf },
      { bytes: lateHeader, filename: 'a.pdf' },
      { bytes: corruptPdf() },
      { bytes: notAPdf(), contentType: 'application/pdf' },
      { bytes: notAPdf('text'), filename: 'REPORT.PDF' },
      { bytes: notAPdf() },
      { bytes: long },
      { bytes: new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('Notes: café')]) },
      { bytes: new Uint8Array([...long, 0xc3]) },
      { bytes: new Uint8Array([...long, 0xc3, 0x28, ...long]) },
      { bytes: new Uint8Array(Buffer.from('Hello there', 'utf16le')) },
      { bytes: utf8('GIF89a'), contentType: 'image/gif' },
      { bytes: new Uint8Array(0) },
      { bytes: utf8('\n\n   \t') },
      { bytes: new Uint8Array([0xef, 0xbb, 0xbf]) },
      { bytes: utf8(`${' '.repeat(3000)}x`) },
    ];
    for (const input of inputs) {
      for (const max of [20 * 1024 * 1024, 2000]) {
        const expected = whole(input, max);
        for (const size of [1, 7, 1024, 65536]) {
          expect(streamed(input, max, size), `${expected} @${size}`).toBe(expected);
        }
      }
    }
  });

  it('stops accepting once over the limit, and still counts the bytes', () => {
    const inspector = new DocumentStreamInspector({}, { maxDocumentBytes: 10 });
    expect(inspector.push(utf8('hello'))).toBe(true);
    expect(inspector.push(utf8('hello, world'))).toBe(false);
    expect(inspector.push(utf8('more'))).toBe(false);
    expect(inspector.byteLength).toBe(21);
    expect(() => inspector.end()).toThrow(/21 bytes/);
  });
});
