import type { Redis } from 'ioredis';

/**
 * One page of an index of ids (a sorted set whose members sort by id, newest last), newest
 * first after the cursor `after`, each loaded by `load`. Ids whose record has aged out are
 * dropped from the index as they are met: records expire by TTL, their index entries do not.
 *
 * @example
 * const { data, hasMore } = await pageOfIds(redis, key, { limit: 20 }, (id) => store.get(id));
 */
export async function pageOfIds<T>(
  client: Redis,
  key: string,
  { limit, after }: { limit: number; after?: string | undefined },
  load: (id: string) => Promise<T | null>,
): Promise<{ data: T[]; hasMore: boolean }> {
  const ids = (await client.call(
    'ZRANGE',
    key,
    after ? `(${after}` : '+',
    '-',
    'BYLEX',
    'REV',
    'LIMIT',
    '0',
    String(limit + 1),
  )) as string[];
  const page = ids.slice(0, limit);
  const loaded = await Promise.all(page.map(load));
  const gone = page.filter((_, i) => loaded[i] === null);
  if (gone.length) await client.zrem(key, ...gone);
  return {
    data: loaded.filter((item): item is Awaited<T> => item !== null),
    hasMore: ids.length > limit,
  };
}
