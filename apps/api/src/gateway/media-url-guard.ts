import type { MediaUrlPolicy } from '@nightshift/gateway';
import type { Context } from 'hono';
import { openAiErrorBody } from './openai-dialect.ts';

/** Chat content parts' media URLs per distinct host one body may name (each is a DNS lookup). */
const MEDIA_ORIGINS_PER_BODY = 8;

/**
 * Judges a body's media URLs before it goes upstream, where the model server would fetch them:
 * the first refused one answers OpenAI's 400 naming its field; null when all may go.
 *
 * @example
 * const refused = await refuseMediaUrls(c, policy, body);
 * if (refused) return refused;
 */
export async function refuseMediaUrls(
  c: Context,
  policy: MediaUrlPolicy,
  body: unknown,
): Promise<Response | null> {
  const refusal = await policy.checker({ maxOrigins: MEDIA_ORIGINS_PER_BODY })(body);
  if (!refusal) return null;
  return c.json(
    openAiErrorBody(refusal.message, 'invalid_request_error', refusal.param, refusal.code),
    400,
  );
}
