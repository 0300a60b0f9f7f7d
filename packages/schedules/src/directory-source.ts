import { createHash } from 'node:crypto';
import { type Dirent, promises as fs } from 'node:fs';
import { extname, join, relative } from 'node:path';
import type { SubmittedDocument } from '@nightshift/batches';
import { inspectDocument, isDocumentError } from '@nightshift/documents';
import { luaScript } from '@nightshift/redis';
import type { Redis } from 'ioredis';
import { isInside } from './inbox-path.ts';
import { scheduleKeys } from './schedule-keys.ts';

/** Options of {@link collectDirectory}. */
export interface CollectDirectoryOptions {
  redis: Redis;
  scheduleId: string;
  /** Real path of the folder (from `resolveInboxFolder`). */
  folder: string;
  recursive: boolean;
  /** Files over this size become a `too_large` document error without being read. */
  maxDocumentBytes: number;
  /** Most files taken by one fire; the rest wait for the next. */
  maxDocuments: number;
  /**
   * Most bytes of files one fire takes (`NIGHTSHIFT_MAX_BATCH_BYTES`): files that no longer fit
   * wait for the next fire; a file larger than this on its own becomes a `too_large` error.
   * Default: no limit beyond `maxDocuments` × `maxDocumentBytes`.
   */
  maxBatchBytes?: number;
  /** Reads a file. Default `fs.readFile`; a seam for read failures root cannot stage with chmod. */
  readFile?: (path: string) => Promise<Buffer>;
}

/** What one fire takes from a folder. `release()` hands the files back if no batch was made. */
export interface CollectedDirectory {
  documents: SubmittedDocument[];
  release(): Promise<void>;
}

const extensions = new Set(['.pdf', '.txt', '.text', '.md', '.markdown']);

// Atomic claims, so two overlapping fires never take one file twice (KEYS/ARGV in the files).
const claimScript = luaScript(new URL('./lua/claim-file.lua', import.meta.url));
const releaseScript = luaScript(new URL('./lua/release-file.lua', import.meta.url));

/**
 * Takes the new or changed PDF and text files of a folder. A file version is identified by its
 * path, size, mtime and SHA-256; one already taken by this schedule is skipped. Problems with
 * single files (unreadable, too large, a symlink leading out of the folder) become per-document
 * errors, never exceptions.
 *
 * @example
 * const taken = await collectDirectory({ redis, scheduleId, folder, recursive: false, maxDocumentBytes, maxDocuments });
 * try { await submitter.submit({ ..., documents: taken.documents }); } catch (e) { await taken.release(); throw e; }
 */
export async function collectDirectory(
  options: CollectDirectoryOptions,
): Promise<CollectedDirectory> {
  const readFile = options.readFile ?? ((path: string) => fs.readFile(path));
  const key = scheduleKeys.taken(options.scheduleId);
  const claimed: { path: string; fingerprint: string; previous: string }[] = [];
  const documents: SubmittedDocument[] = [];
  const ids = new Set<string>();
  const budget = { total: options.maxBatchBytes ?? Number.POSITIVE_INFINITY, used: 0 };

  const claim = async (path: string, fingerprint: string): Promise<boolean> => {
    const [taken, previous] = (await claimScript.run(
      options.redis,
      [key],
      [path, fingerprint],
    )) as [number, string | null];
    if (taken === 1) claimed.push({ path, fingerprint, previous: previous ?? '' });
    return taken === 1;
  };

  for (const path of await listFiles(options.folder, options.recursive)) {
    if (documents.length >= options.maxDocuments) break;
    const id = uniqueId(relative(options.folder, path), ids);
    const document = await takeFile(path, id, options, readFile, claim, budget);
    if (document) {
      ids.add(id);
      documents.push(document);
    }
  }
  return {
    documents,
    async release() {
      for (const c of claimed) {
        await releaseScript.run(options.redis, [key], [c.path, c.fingerprint, c.previous]);
      }
    },
  };
}

async function takeFile(
  path: string,
  id: string,
  options: CollectDirectoryOptions,
  readFile: (path: string) => Promise<Buffer>,
  claim: (path: string, fingerprint: string) => Promise<boolean>,
  budget: { total: number; used: number },
): Promise<SubmittedDocument | null> {
  const error = async (fingerprint: string, code: string, message: string) =>
    (await claim(path, fingerprint)) ? { id, error: { code, message } } : null;

  let real: string;
  try {
    real = await fs.realpath(path);
  } catch (e) {
    return error(
      `unreadable:${errno(e)}`,
      'unreadable',
      `The file cannot be opened (${errno(e)}).`,
    );
  }
  if (!isInside(options.folder, real)) {
    return error(
      `escape:${real}`,
      'path_escape',
      'The file is a link that leads out of the folder.',
    );
  }
  const stat = await fs.stat(real).catch(() => null);
  if (!stat?.isFile()) return null;
  const version = `${stat.size}:${stat.mtimeMs}`;
  if (stat.size > options.maxDocumentBytes) {
    return error(
      `${version}:too_large`,
      'too_large',
      `The file is ${stat.size} bytes; the limit is ${options.maxDocumentBytes} bytes.`,
    );
  }
  if (stat.size > budget.total) {
    return error(
      `${version}:too_large`,
      'too_large',
      `The file is ${stat.size} bytes; a batch holds at most ${budget.total} bytes.`,
    );
  }
  if (budget.used + stat.size > budget.total) return null; // taken by a later fire
  let bytes: Buffer;
  try {
    bytes = await readFile(real);
  } catch (e) {
    // ctime moves on chmod/chown, so a file made readable again is taken then.
    return error(
      `unreadable:${version}:${stat.ctimeMs}`,
      'unreadable',
      `The file cannot be read (${errno(e)}).`,
    );
  }
  const hash = createHash('sha256').update(bytes).digest('hex');
  if (!(await claim(path, `${version}:${hash}`))) return null;
  budget.used += bytes.byteLength;
  try {
    const inspected = inspectDocument(
      { bytes, filename: path },
      { maxDocumentBytes: options.maxDocumentBytes },
    );
    return inspected.kind === 'text'
      ? { id, content: { kind: 'text', text: inspected.text } }
      : { id, content: { kind: 'pdf', base64: Buffer.from(inspected.bytes).toString('base64') } };
  } catch (e) {
    if (!isDocumentError(e)) throw e;
    return { id, error: { code: e.code, message: e.message } };
  }
}

async function listFiles(folder: string, recursive: boolean): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return; // a sub-folder we may not list is skipped, not fatal
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue; // hidden files and partial uploads
      const path = join(dir, entry.name);
      // Symlinked folders are never followed: no cycles, no escapes through them.
      if (entry.isDirectory()) {
        if (recursive) await walk(path);
      } else if (
        (entry.isFile() || entry.isSymbolicLink()) &&
        extensions.has(extname(entry.name).toLowerCase())
      ) {
        out.push(path);
      }
    }
  };
  await walk(folder);
  return out.sort();
}

/** A document id from a relative path, within the API's id alphabet and length. */
function uniqueId(relativePath: string, taken: Set<string>): string {
  const base = relativePath.replace(/[^A-Za-z0-9_.:@/-]/g, '_').slice(-120) || 'file';
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  return id;
}

const errno = (e: unknown) => (e as NodeJS.ErrnoException).code ?? 'error';
