import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

type Pdfjs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');

/**
 * Thrown inside pdf.js when a document's decoded bytes pass its budget. pdf.js may swallow it
 * (it skips broken sub-streams and glyphs when `ignoreErrors` is on, its default), so the
 * budget also stays {@link DecodeBudget.exceeded} and every later growth throws again.
 */
export class DecodeBudgetExceeded extends Error {
  constructor(maxBytes: number) {
    super(`The PDF's streams inflate to more than ${maxBytes} bytes.`);
    this.name = 'DecodeBudgetExceeded';
  }
}

/**
 * Bytes one document's streams may inflate to, counted as pdf.js grows its decode buffers
 * (every filter: Flate, LZW, RunLength, ASCII85/Hex, predictors, decryption, chained filters,
 * object and cross-reference streams, content arrays). The count is cumulative: a stream
 * decoded twice counts twice, so it bounds what is resident from above.
 */
export class DecodeBudget {
  #used = 0;
  #exceeded = false;

  /** @param maxBytes the most decoded bytes allowed (`DocumentLimits.maxDecodedBytes`). */
  constructor(readonly maxBytes: number) {}

  /** Decoded bytes counted so far. */
  get used(): number {
    return this.#used;
  }

  /** True once the budget was passed; the document must be refused as `pdf_too_large`. */
  get exceeded(): boolean {
    return this.#exceeded;
  }

  /** Counts `bytes` more; throws {@link DecodeBudgetExceeded} before pdf.js allocates past the budget. */
  charge(bytes: number): void {
    this.#used += bytes;
    if (this.#exceeded || this.#used > this.maxBytes) {
      this.#exceeded = true;
      throw new DecodeBudgetExceeded(this.maxBytes);
    }
  }
}

/** The worker-side objects the hook walks to find a stream's document (pdf.js internals). */
interface DecodingStream {
  dict?: { xref?: { pdfManager?: { docId?: string } } } | null;
  /** Sub-streams of a content array (`StreamsSequenceStream`), which has no dictionary. */
  streams?: DecodingStream[];
}

/** Budgets of the documents being read, by pdf.js document id (`PDFDocumentLoadingTask.docId`). */
const budgets = new Map<string, DecodeBudget>();
/** A stream's document, found once: a content array's sub-streams are used up as it reads. */
const owners = new WeakMap<object, string | null>();

function ownerOf(stream: DecodingStream): string | null {
  let owner = owners.get(stream);
  if (owner === undefined) {
    const dict = stream.dict ?? stream.streams?.find((sub) => sub.dict)?.dict;
    owner = dict?.xref?.pdfManager?.docId ?? null;
    owners.set(stream, owner);
  }
  return owner;
}

/**
 * Called by the patched pdf.js before a decode buffer grows by `bytes`. A stream without a
 * document is a content array's last sub-stream copied alone: no more than that sub-stream,
 * which was counted when it was decoded.
 */
function onDecodeGrowth(stream: DecodingStream, bytes: number): void {
  if (budgets.size === 0) return;
  const owner = ownerOf(stream);
  if (owner !== null) budgets.get(owner)?.charge(bytes);
}

/**
 * Puts `budget` in force for the pdf.js document `docId` until the returned function is called.
 * Register right after `getDocument()`: pdf.js starts decoding only after an asynchronous step.
 */
export function trackDecoding(docId: string, budget: DecodeBudget): () => void {
  budgets.set(docId, budget);
  return () => {
    budgets.delete(docId);
  };
}

/**
 * The two places in pdf.js's worker code where decoded bytes accumulate, each with the hook
 * call put in front. Each anchor must occur exactly once; a pdf.js upgrade that changes them
 * fails loading (and the tests) instead of silently dropping the budget.
 */
const patches = [
  {
    name: 'DecodeStream.ensureBuffer',
    anchor: `    while (size < requested) {
      size *= 2;
    }
    const buffer2 = new Uint8Array(size);`,
    hook: `    while (size < requested) {
      size *= 2;
    }
    __nightshiftDecodeHook?.(this, size - buffer.byteLength);
    const buffer2 = new Uint8Array(size);`,
  },
  {
    name: 'FlateStream.asyncGetBytes',
    anchor: `        chunks.push(chunk);
        totalLength += chunk.byteLength;`,
    hook: `        __nightshiftDecodeHook?.(this, chunk.byteLength);
        chunks.push(chunk);
        totalLength += chunk.byteLength;`,
  },
];

/** pdf.js's worker code with the decode hook, as a module that exports a setter for it. */
async function patchedWorkerSource(workerPath: string): Promise<string> {
  let source = await readFile(workerPath, 'utf8');
  for (const { name, anchor, hook } of patches) {
    const at = source.indexOf(anchor);
    if (at === -1 || source.indexOf(anchor, at + 1) !== -1) {
      throw new Error(`pdf.js ${name} changed: the PDF decode budget cannot be installed.`);
    }
    source = source.slice(0, at) + hook + source.slice(at + anchor.length);
  }
  // The module is loaded from a data: URL; its wasm loaders still resolve next to the original.
  source = source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(workerPath).href));
  return `${source}
var __nightshiftDecodeHook = null;
export function __nightshiftSetDecodeHook(hook) { __nightshiftDecodeHook = hook; }
`;
}

let loading: Promise<Pdfjs> | undefined;

/**
 * pdf.js (legacy build) whose in-process "fake worker" is a copy of pdf.js's worker code with
 * the decode hook, installed through `globalThis.pdfjsWorker` (pdf.js's own way to supply its
 * worker in-process). Loaded once, with the first PDF; later loads share it. Fails when pdf.js
 * already set up its fake worker without the hook, rather than read PDFs unbounded.
 *
 * pdf.js's legacy build brings core-js polyfills; one swaps the process's `JSON.parse` for a
 * wrapper that only matters to revivers reading source text (pdf.js passes none) and slowed
 * every JSON parse on a busy worker, so it is put back.
 */
export function loadBudgetedPdfjs(): Promise<Pdfjs> {
  loading ??= (async () => {
    const nativeParse = JSON.parse;
    try {
      const require = createRequire(import.meta.url);
      const workerPath = require.resolve('pdfjs-dist/legacy/build/pdf.worker.mjs');
      const source = await patchedWorkerSource(workerPath);
      const worker = await import(
        /* @vite-ignore */ `data:text/javascript;base64,${Buffer.from(source).toString('base64')}`
      );
      worker.__nightshiftSetDecodeHook(onDecodeGrowth);
      (globalThis as { pdfjsWorker?: unknown }).pdfjsWorker = worker;
      const pdfjs: Pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
      if ((await pdfjs.PDFWorker._setupFakeWorkerGlobal) !== worker.WorkerMessageHandler) {
        throw new Error('pdf.js was set up before the PDF decode budget could be installed.');
      }
      return pdfjs;
    } finally {
      JSON.parse = nativeParse;
    }
  })();
  return loading;
}
