/**
 * Polls until `check` answers something truthy, and returns that answer; fails naming `what`
 * after `timeoutMs`. For waiting on real processes and Redis, where a fixed sleep is either too
 * short on a loaded machine or wastes time on an idle one.
 *
 * @example
 * const job = await until(() => queue.getJob(id), 5_000, 'job queued');
 */
export async function until<T>(
  check: () => Promise<T> | T,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
