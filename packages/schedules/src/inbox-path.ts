import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** Where a directory source's folder really is, or why it is refused. */
export type InboxFolder = { ok: true; realPath: string } | { ok: false; message: string };

/** True when `child` is `parent` or lies below it (both already real, absolute paths). */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * Resolves a directory source's folder against the allowed inbox folders. Refuses `..`
 * segments outright, then compares real paths, so a symlink that leads out of every inbox is
 * refused as well. A relative path is taken relative to the first inbox folder.
 *
 * @example
 * await resolveInboxFolder('acme/daily', ['/srv/inbox']); // { ok: true, realPath: '/srv/inbox/acme/daily' }
 * await resolveInboxFolder('../etc', ['/srv/inbox']); // { ok: false, message: '… ".." …' }
 */
export async function resolveInboxFolder(path: string, inboxDirs: string[]): Promise<InboxFolder> {
  if (inboxDirs.length === 0) {
    return { ok: false, message: 'no inbox folders are configured (NIGHTSHIFT_INBOX_DIRS)' };
  }
  if (path.split(/[\\/]+/).includes('..')) {
    return { ok: false, message: 'the path may not contain ".." segments' };
  }
  const wanted = isAbsolute(path) ? path : resolve(inboxDirs[0] as string, path);
  let real: string;
  try {
    real = await realpath(wanted);
  } catch (error) {
    return {
      ok: false,
      message: `the folder cannot be opened (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    };
  }
  for (const inbox of inboxDirs) {
    const inboxReal = await realpath(inbox).catch(() => null);
    if (inboxReal && isInside(inboxReal, real)) return { ok: true, realPath: real };
  }
  return {
    ok: false,
    message: 'the folder lies outside every inbox folder (NIGHTSHIFT_INBOX_DIRS)',
  };
}
