import { nestsDeeperThan, tooDeepMessage } from '@nightshift/gateway';
import type { Context } from 'hono';
import type { z } from 'zod';

/** A body that passed its schema, or the dialect's answer to one that did not. */
export type BodyReading<T> = { ok: true; data: T } | { ok: false; response: Response };

/**
 * Reads a JSON body and checks it against `schema`; malformed JSON, a body nested deeper than
 * `maxJsonDepth`, and a failed check all answer 400 through `invalid`, in the caller's dialect.
 */
export async function readJsonBody<S extends z.ZodType>(
  c: Context,
  schema: S,
  invalid: (c: Context, issues: z.core.$ZodIssue[]) => Response,
): Promise<BodyReading<z.output<S>>> {
  let value: unknown;
  try {
    value = JSON.parse(await c.req.text());
  } catch {
    // A body past the size limit fails here too; the limit middleware then answers 413.
    return {
      ok: false,
      response: invalid(c, [
        { code: 'custom', path: [], message: 'the body is not valid JSON', input: undefined },
      ]),
    };
  }
  // Checked before anything walks the body: past some thousands of levels, serializing it
  // for the model server overflows the stack.
  if (nestsDeeperThan(value))
    return {
      ok: false,
      response: invalid(c, [
        { code: 'custom', path: [], message: tooDeepMessage, input: undefined },
      ]),
    };
  const parsed = schema.safeParse(value);
  return parsed.success
    ? { ok: true, data: parsed.data }
    : { ok: false, response: invalid(c, parsed.error.issues) };
}

/** Reads a whole (not streamed) answer: its one piece, after the call has finished. */
export async function wholeAnswer<T>(pieces: AsyncIterable<T>): Promise<T> {
  let last: T | undefined;
  for await (const piece of pieces) last = piece;
  if (last === undefined) throw new Error('the model server sent no answer');
  return last;
}

/** Headers that say which model answered, whatever the dialect's body says. */
export const answeredBy = (answer: { model: string; degraded: boolean }) => ({
  'x-nightshift-model': answer.model,
  'x-nightshift-degraded': String(answer.degraded),
});
