/**
 * `GET /anthropic/v1/models` in Anthropic's list shape: model names only, paged by id
 * (`limit`, `after_id`, `before_id`), with `has_more`, `first_id` and `last_id`.
 */
import { z } from 'zod';

/** The query of a model list. */
export const anthropicModelQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(20),
  after_id: z.string().min(1).optional(),
  before_id: z.string().min(1).optional(),
});

/** A model as Anthropic describes one: its name, and nothing of where it runs. */
export const modelInfo = (id: string) => ({
  type: 'model' as const,
  id,
  display_name: id,
  created_at: new Date(0).toISOString(),
});

/** One page of `ids` (sorted), from after `after_id` or up to before `before_id`. */
export function anthropicModelPage(
  ids: readonly string[],
  query: z.output<typeof anthropicModelQuery>,
) {
  const sorted = [...ids].sort();
  let from = 0;
  let to = sorted.length;
  if (query.after_id !== undefined)
    from = sorted.findIndex((id) => id > (query.after_id as string));
  if (from < 0) from = sorted.length;
  if (query.before_id !== undefined) {
    const before = query.before_id;
    to = sorted.filter((id) => id < before).length;
    from = Math.max(from, to - query.limit);
  }
  const page = sorted.slice(from, Math.min(to, from + query.limit));
  const hasMore = query.before_id !== undefined ? from > 0 : from + page.length < to;
  return {
    data: page.map(modelInfo),
    has_more: hasMore,
    first_id: page[0] ?? null,
    last_id: page.at(-1) ?? null,
  };
}
