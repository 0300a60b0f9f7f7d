import { corruptPdf, encryptedPdf, notAPdf, textPdf } from '@nightshift/testkit/sample-documents';
import { describe, expect, it } from 'vitest';
import { DocumentError, type DocumentErrorCode } from './errors.ts';
import { type DocumentInput, hasPdfHeader, inspectDocument } from './inspect.ts';
import type { DocumentLimits } from './limits.ts';

function codeOf(input: DocumentInput, limits: Partial<DocumentLimits> = {}): DocumentErrorCode {
  try {
    inspectDocument(input, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(DocumentError);
    return (error as DocumentError).code;
  }
  throw new Error('inspectDocument accepted the input');
}

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('inspectDocument', () => {
  it('accepts text given as a string and reports its UTF-8 size', () => {
    const doc = inspectDocument({ text: 'Grüße aus Köln' });
    expect(doc).toEqual({ kind: 'text', text: 'Grüße aus Köln', byteLength: 17 });
  });

  it('decodes UTF-8 file bytes as text, dropping a byte order mark', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('Notes: café')]);
    const doc = inspectDocument({ bytes, filename: 'notes.txt', contentType: 'text/plain' });
    expect(doc).toEqual({
      kind: 'text',
      text: 'Notes: café',
      byteLength: 12,
      filename: 'notes.txt',
    });
  });

  it('recognises a PDF by its header, whatever was declared', async () => {
    const bytes = await textPdf(['hello']);
    const doc = inspectDocument({ bytes, contentType: 'application/octet-stream' });
    expect(doc.kind).toBe('pdf');
    expect(doc.byteLength).toBe(bytes.length);
  });

  it('finds the header after leading junk within 1024 bytes, and not beyond', () => {
    const at = (offset: number) => {
      const bytes = new Uint8Array(offset + 16).fill(0x20);
      bytes.set(utf8('%PDF-1.7'), offset);
      return bytes;
    };
    expect(hasPdfHeader(at(0))).toBe(true);
    expect(hasPdfHeader(at(1019))).toBe(true);
    expect(hasPdfHeader(at(1020))).toBe(false);
    expect(hasPdfHeader(utf8('%PDF'))).toBe(false);
  });

  it('passes corrupt and encrypted PDFs: only the worker parses', async () => {
    expect(inspectDocument({ bytes: corruptPdf(), kind: 'pdf' }).kind).toBe('pdf');
    expect(inspectDocument({ bytes: await encryptedPdf(), kind: 'pdf' }).kind).toBe('pdf');
  });

  it('rejects a fake PDF as not_a_pdf, however it claims to be one', () => {
    expect(codeOf({ bytes: notAPdf(), kind: 'pdf' })).toBe('not_a_pdf');
    expect(codeOf({ bytes: notAPdf('text'), contentType: 'application/pdf' })).toBe('not_a_pdf');
    expect(codeOf({ bytes: notAPdf('text'), filename: 'REPORT.PDF' })).toBe('not_a_pdf');
    expect(codeOf({ text: 'just text', kind: 'pdf' })).toBe('not_a_pdf');
  });

  it('rejects bytes that are not valid UTF-8 text as unsupported_type', () => {
    expect(codeOf({ bytes: notAPdf() })).toBe('unsupported_type');
    expect(codeOf({ bytes: new Uint8Array([0x48, 0x69, 0xc3, 0x28]) })).toBe('unsupported_type');
    // A truncated multi-byte sequence at the end.
    expect(codeOf({ bytes: new Uint8Array([...utf8('caf'), 0xc3]) })).toBe('unsupported_type');
  });

  it('rejects UTF-16 and declared images even when the bytes decode', () => {
    const utf16 = new Uint8Array(Buffer.from('Hello there', 'utf16le'));
    expect(codeOf({ bytes: utf16 })).toBe('unsupported_type');
    expect(codeOf({ bytes: utf8('GIF89a'), contentType: 'image/gif' })).toBe('unsupported_type');
  });

  it('rejects empty input', () => {
    expect(codeOf({ bytes: new Uint8Array(0) })).toBe('empty');
    expect(codeOf({})).toBe('empty');
    expect(codeOf({ text: '' })).toBe('empty');
    expect(codeOf({ text: ' \n\t ' })).toBe('empty');
    expect(codeOf({ bytes: utf8('\n\n') })).toBe('empty');
  });

  it('enforces maxDocumentBytes for bytes and for text (in UTF-8 bytes)', async () => {
    const pdf = await textPdf(['hello']);
    expect(codeOf({ bytes: pdf }, { maxDocumentBytes: pdf.length - 1 })).toBe('too_large');
    expect(inspectDocument({ bytes: pdf }, { maxDocumentBytes: pdf.length }).kind).toBe('pdf');
    expect(codeOf({ text: 'ééé' }, { maxDocumentBytes: 5 })).toBe('too_large');
    expect(inspectDocument({ text: 'ééé' }, { maxDocumentBytes: 6 }).byteLength).toBe(6);
  });

  it('has a 20 MiB default limit', () => {
    const big = new Uint8Array(20 * 1024 * 1024 + 1).fill(0x61);
    expect(codeOf({ bytes: big })).toBe('too_large');
  });
});
