/**
 * Hostile PDFs for tests: tiny files whose streams inflate to gigabytes, or whose text grows
 * without end, built in memory in milliseconds (the inflated bytes are never materialized).
 *
 * Import as `@nightshift/testkit/pdf-bombs`.
 */
import { constants, deflateRawSync, deflateSync } from 'node:zlib';

/** A PDF object: a dictionary or other value, or a stream with its dictionary entries. */
type PdfObject = string | { dict: string; data: Uint8Array };

/** Writes a one-revision PDF with a correct cross-reference table; object n is `objects[n-1]`. */
function writePdf(objects: PdfObject[]): Uint8Array {
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let length = parts[0]?.length ?? 0;
  const offsets: number[] = [];
  const push = (part: Buffer) => {
    parts.push(part);
    length += part.length;
  };
  objects.forEach((object, i) => {
    offsets.push(length);
    if (typeof object === 'string') {
      push(Buffer.from(`${i + 1} 0 obj\n${object}\nendobj\n`, 'latin1'));
      return;
    }
    push(
      Buffer.from(`${i + 1} 0 obj\n<< ${object.dict} /Length ${object.data.length} >>\nstream\n`),
    );
    push(Buffer.from(object.data));
    push(Buffer.from('\nendstream\nendobj\n'));
  });
  const xref = length;
  const rows = offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`);
  push(
    Buffer.from(
      `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${rows.join('')}` +
        `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`,
    ),
  );
  return new Uint8Array(Buffer.concat(parts));
}

/** Catalog, page tree and one page with Helvetica as /F1, `extra` added to its resources. */
function onePage(contents: string, extraResources = ''): PdfObject[] {
  return [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents ${contents} ` +
      `/Resources << /Font << /F1 4 0 R >> ${extraResources} >> >>`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
  ];
}

const segmentBytes = 1024 * 1024;

function adler32(data: Uint8Array, a = 1, b = 0): [number, number] {
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return [a, b];
}

/**
 * A zlib stream of `prefix` followed by `zeros` zero bytes (a multiple of 1 MiB), built without
 * inflating anything: each segment ends with a full flush (no back-references across it), so the
 * 1 MiB one can be repeated; then a final empty block and the Adler-32 of it all.
 */
export function deflatedZeros(zeros: number, prefix: Uint8Array = new Uint8Array(0)): Buffer {
  if (zeros <= 0 || zeros % segmentBytes !== 0) throw new Error('zeros: a multiple of 1 MiB');
  const flush = { level: 9, finishFlush: constants.Z_FULL_FLUSH };
  const head = deflateRawSync(prefix, flush);
  const segment = deflateRawSync(Buffer.alloc(segmentBytes), flush);
  // Zeros leave Adler-32's first sum alone and add it to the second once per byte.
  const [a, b] = adler32(prefix);
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(((((b + (zeros % 65521) * a) % 65521) << 16) | a) >>> 0);
  return Buffer.concat([
    Buffer.from([0x78, 0xda]),
    head,
    ...Array.from({ length: zeros / segmentBytes }, () => segment),
    Buffer.from([0x03, 0x00]),
    trailer,
  ]);
}

/** Options of {@link inflationBombPdf}. */
export interface InflationBombOptions {
  /** Bytes the page's content stream inflates to (a multiple of 1 MiB). Default 1 GiB. */
  inflatedBytes?: number;
  /** Flate filters chained on the stream: 2 makes a 1 GiB bomb a ~2 KB file. Default 2. */
  layers?: 1 | 2;
}

/**
 * A one-page PDF whose content stream shows one line of text, followed by zero bytes (blank
 * to pdf.js) that inflate to `inflatedBytes` (1 GiB by default) through one or two chained
 * FlateDecode filters.
 */
export function inflationBombPdf(options: InflationBombOptions = {}): Uint8Array {
  const { inflatedBytes = 1024 * 1024 * 1024, layers = 2 } = options;
  const text = Buffer.from('BT /F1 12 Tf 72 700 Td (This page looks harmless.) Tj ET\n');
  const inner = deflatedZeros(inflatedBytes, text);
  const data = layers === 2 ? deflateSync(inner, { level: 9 }) : inner;
  const filter = layers === 2 ? '[/FlateDecode /FlateDecode]' : '/FlateDecode';
  return writePdf([...onePage('5 0 R'), { dict: `/Filter ${filter}`, data }]);
}

/** Options of {@link contentArrayBombPdf}. */
export interface ContentArrayBombOptions {
  /** Times the page's /Contents array names the one stream. Default 4096. */
  references?: number;
  /** Bytes of that (uncompressed) stream. Default 1 MiB. */
  streamBytes?: number;
}

/**
 * A one-page PDF whose /Contents array names one uncompressed stream of spaces `references`
 * times: nothing to inflate, yet pdf.js concatenates them (4 GiB by default from a ~1 MB file).
 */
export function contentArrayBombPdf(options: ContentArrayBombOptions = {}): Uint8Array {
  const { references = 4096, streamBytes = 1024 * 1024 } = options;
  const contents = `[${Array.from({ length: references }, () => '5 0 R').join(' ')}]`;
  return writePdf([
    ...onePage(contents),
    { dict: '', data: new Uint8Array(streamBytes).fill(0x20) },
  ]);
}

/** Options of {@link textBombPdf}. */
export interface TextBombOptions {
  /** Times the page paints the form. Default 200,000. */
  repeats?: number;
  /** Characters of text the form shows. Default 1,000. */
  runChars?: number;
}

/**
 * A one-page PDF that paints one small form XObject showing `runChars` letters `repeats` times:
 * a few KB that pdf.js turns into `repeats × runChars` characters of text (200 million by default).
 */
export function textBombPdf(options: TextBombOptions = {}): Uint8Array {
  const { repeats = 200_000, runChars = 1000 } = options;
  const content = deflateSync(Buffer.from('q /X Do Q\n'.repeat(repeats)), { level: 9 });
  const form = Buffer.from(`BT /F1 1 Tf 72 700 Td (${'W'.repeat(runChars)}) Tj ET`);
  return writePdf([
    ...onePage('5 0 R', '/XObject << /X 6 0 R >>'),
    { dict: '/Filter /FlateDecode', data: content },
    {
      dict: '/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >>',
      data: form,
    },
  ]);
}
