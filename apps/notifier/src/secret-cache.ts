/**
 * Remembers each tenant's signing secrets for a moment: every delivery needs them, and a
 * thousand deliveries a second should not mean a thousand reads of the same key. A rotation
 * shows up within `ttlMs`; the old secret keeps signing through the overlap anyway.
 *
 * @example
 * const secretsFor = cachedSecrets((tenant) => store.secretsFor(tenant), 1000);
 */
export function cachedSecrets(
  load: (tenant: string) => Promise<string[]>,
  ttlMs = 1000,
): (tenant: string) => Promise<string[]> {
  const cache = new Map<string, { at: number; secrets: Promise<string[]> }>();
  return (tenant) => {
    const now = Date.now();
    const hit = cache.get(tenant);
    if (hit && now - hit.at < ttlMs) return hit.secrets;
    const secrets = load(tenant);
    cache.set(tenant, { at: now, secrets });
    // A failed read must not be remembered.
    secrets.catch(() => cache.delete(tenant));
    if (cache.size > 10_000) cache.clear();
    return secrets;
  };
}
