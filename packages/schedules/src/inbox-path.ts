import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

/** Where a directory source's folder really is, or why it is refused. */
export type InboxFolder = { ok: true; realPath: string } | { ok: false; message: string };

/** True when `child` is `parent` or lies below it (both already real, absolute paths). */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * The one answer to every refused folder. It is the same whether the path does not exist, is
 * not a folder, leads out through `..` or a symlink, or is another tenant's folder, so a tenant
 * cannot use the refusal to learn what exists on the server.
 */
export const inboxRefusal =
  "the folder is not one of this tenant's inbox folders (<inbox>/<tenant>/ under NIGHTSHIFT_INBOX_DIRS)";

/**
 * Resolves a directory source's folder for one tenant: it must lie inside `<inbox>/<tenant>/`
 * of one of the configured inbox folders, compared as real paths, so a symlink or `..` leading
 * out (to another tenant's folder or anywhere else) is refused. A relative path is taken
 * relative to the first inbox folder (`acme/reports` is `<first inbox>/acme/reports`).
 * Run it again at each fire: a symlink swapped after the schedule was created is caught then.
 *
 * @example
 * await resolveInboxFolder('acme/daily', ['/srv/inbox'], 'acme'); // { ok: true, realPath: '/srv/inbox/acme/daily' }
 * await resolveInboxFolder('globex', ['/srv/inbox'], 'acme'); // { ok: false, message: inboxRefusal }
 */
export async function resolveInboxFolder(
  path: string,
  inboxDirs: string[],
  tenant: string,
): Promise<InboxFolder> {
  if (inboxDirs.length === 0) {
    return { ok: false, message: 'no inbox folders are configured (NIGHTSHIFT_INBOX_DIRS)' };
  }
  const refused: InboxFolder = { ok: false, message: inboxRefusal };
  // `.` and `..` are valid tenant names for the key syntax but would name no sub-folder.
  if (tenant === '' || tenant === '.' || tenant === '..' || /[\\/]/.test(tenant)) return refused;
  if (path.split(/[\\/]+/).includes('..')) return refused;
  const wanted = isAbsolute(path) ? path : resolve(inboxDirs[0] as string, path);
  const real = await realpath(wanted).catch(() => null);
  if (!real || !(await stat(real).catch(() => null))?.isDirectory()) return refused;
  for (const inbox of inboxDirs) {
    const tenantRoot = await realpath(join(inbox, tenant)).catch(() => null);
    if (tenantRoot && isInside(tenantRoot, real)) return { ok: true, realPath: real };
  }
  return refused;
}
