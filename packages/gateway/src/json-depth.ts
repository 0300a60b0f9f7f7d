/**
 * How deep a caller's JSON may nest. `JSON.parse` takes any depth, but `JSON.stringify` (every
 * client serializing a body for the model server) recurses and overflows the stack past some
 * thousands of levels: a body is refused at the boundary long before that.
 */

/**
 * Most levels of objects and arrays in a request body or batch line (the body itself is level
 * one). Real bodies, JSON schemas of `response_format` and `tools` included, stay far below it.
 */
export const maxJsonDepth = 64;

/**
 * True when `value` nests objects and arrays more than `limit` levels deep. Walks the value with
 * a stack of its own, so any depth is measured without recursion; stops at the first level past
 * the limit.
 *
 * @example
 * if (nestsDeeperThan(JSON.parse(text), maxJsonDepth)) refuse();
 */
export function nestsDeeperThan(value: unknown, limit = maxJsonDepth): boolean {
  // Two parallel stacks (containers, their depths): no object allocated per container.
  const containers: object[] = [];
  const depths: number[] = [];
  if (typeof value === 'object' && value !== null) {
    containers.push(value);
    depths.push(1);
  }
  while (containers.length > 0) {
    const current = containers.pop() as object;
    const depth = depths.pop() as number;
    if (depth > limit) return true;
    const children: unknown[] = Array.isArray(current) ? current : Object.values(current);
    for (const child of children)
      if (typeof child === 'object' && child !== null) {
        containers.push(child);
        depths.push(depth + 1);
      }
  }
  return false;
}

/** The message a refused body carries, in either dialect. */
export const tooDeepMessage = `the JSON nests deeper than ${maxJsonDepth} levels of objects and arrays`;
