/**
 * Media URLs in chat content parts. vLLM and SGLang fetch `image_url`, `video_url`,
 * `audio_url` (and `file:` URLs where allowed) themselves, from the model server's network:
 * a URL passed through as written is a request forgery against whatever that network reaches
 * (cloud metadata, Redis, the admin API). This module finds every such URL in a body and
 * judges it by the deployment's policy before the body leaves.
 */

/**
 * `public`: `data:` URLs, and http(s) URLs whose host resolves only to public addresses;
 * `off`: `data:` URLs only; `any`: every URL as written (a trusted network, tests).
 */
export type MediaUrlMode = 'public' | 'off' | 'any';

/** One media URL of a body, and the dotted path of the field that holds it. */
export interface MediaUrlRef {
  /** As OpenAI names a field at fault: `messages.0.content.1.image_url.url`. */
  param: string;
  url: string;
}

/** Why a body cannot go upstream: the first media URL the policy refuses. */
export interface MediaUrlRefusal {
  code: 'media_url_not_allowed';
  /** The field at fault, with the caller's prefix (`body.` for batch lines). */
  param: string;
  /** For the caller: names neither the address the host resolved to nor why DNS failed. */
  message: string;
}

/** Verdict of the address check on one http(s) URL (`checkWebhookUrl` has this shape). */
export type PublicUrlCheck = (url: string) => Promise<{ ok: boolean }>;

/** Options of {@link MediaUrlPolicy}. */
export interface MediaUrlPolicyOptions {
  /** `NIGHTSHIFT_MEDIA_URLS`. */
  mode: MediaUrlMode;
  /**
   * The webhook address policy: http(s) only, no credentials, every address the host
   * resolves to public. Called once per distinct origin within one check.
   */
  checkUrl: PublicUrlCheck;
}

/** Options of one {@link MediaUrlPolicy.checker}. */
export interface MediaUrlCheckerOptions {
  /**
   * Distinct origins one checker resolves; a URL past them is refused. Each is a DNS lookup
   * made while the caller waits (and on the resolver's small thread pool), so a body or a
   * batch file naming thousands of hosts must not turn into thousands of lookups. Default 32.
   */
  maxOrigins?: number;
}

/** A body check: the first refused media URL of `body`, or null when all may go. */
export type MediaUrlChecker = (
  body: unknown,
  paramPrefix?: string,
) => Promise<MediaUrlRefusal | null>;

// What WHATWG's URL parser (ours) and Python's urllib/yarl (the model server's) read alike:
// printable ASCII with no backslash. `http://a.com\@10.0.0.1/` is host a.com to the one and
// 10.0.0.1 to the other; tabs, spaces and non-ASCII hosts are other such seams.
const PLAIN_URL = /^[!-[\]-~]+$/;
const DATA_URL = /^data:/i;
// How deep a content part may nest a URL (`{image_url: {url}}` is 2).
const MAX_PART_DEPTH = 4;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Every media URL in `body.messages[].content[]` (chat) and `body.input[].content[]` (the
 * Responses API's message items): any string under a key named `url` or ending in `_url`, at
 * any depth of a part. That takes in OpenAI's `image_url: {url}`, vLLM's `video_url`/`audio_url`
 * and their short forms (`image_url: "…"`), the Responses-style `input_image.image_url` and
 * `file_url`, and whatever part type a server adds next.
 *
 * @example
 * mediaUrlsOf({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }] }] });
 * // [{ param: 'messages.0.content.0.image_url.url', url }]
 */
export function mediaUrlsOf(body: unknown): MediaUrlRef[] {
  const found: MediaUrlRef[] = [];
  if (!isRecord(body)) return found;
  for (const field of ['messages', 'input'] as const) {
    const list = body[field];
    if (Array.isArray(list)) collectMessageUrls(list, field, found);
  }
  return found;
}

function collectMessageUrls(messages: unknown[], field: string, found: MediaUrlRef[]): void {
  messages.forEach((message, m) => {
    if (!isRecord(message)) return;
    const { content } = message;
    const parts = Array.isArray(content) ? content : isRecord(content) ? [content] : [];
    const base = Array.isArray(content) ? `${field}.${m}.content` : `${field}.${m}`;
    parts.forEach((part, p) => {
      const at = Array.isArray(content) ? `${base}.${p}` : `${base}.content`;
      collectUrls(part, at, 0, found);
    });
  });
}

function collectUrls(value: unknown, path: string, depth: number, found: MediaUrlRef[]): void {
  if (depth > MAX_PART_DEPTH) return;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) collectUrls(item, `${path}.${i}`, depth + 1, found);
    return;
  }
  if (!isRecord(value)) return;
  for (const [key, field] of Object.entries(value)) {
    const at = `${path}.${key}`;
    if (typeof field === 'string') {
      if (key === 'url' || key.endsWith('_url')) found.push({ param: at, url: field });
    } else {
      collectUrls(field, at, depth + 1, found);
    }
  }
}

/**
 * The deployment's policy on media URLs, shared by the chat and embeddings routes and the
 * batch input check. Get a {@link checker} per body (or per batch file): it remembers the
 * origins it already judged, so a batch naming one image host resolves it once.
 *
 * @example
 * const policy = new MediaUrlPolicy({ mode: 'public', checkUrl: (u) => checkWebhookUrl(u) });
 * const refusal = await policy.checker()(body);
 * if (refusal) return badRequest(refusal.param, refusal.message);
 */
export class MediaUrlPolicy {
  readonly mode: MediaUrlMode;
  readonly #checkUrl: PublicUrlCheck;

  constructor(options: MediaUrlPolicyOptions) {
    this.mode = options.mode;
    this.#checkUrl = options.checkUrl;
  }

  /** A body check with its own memory of judged origins. */
  checker(options: MediaUrlCheckerOptions = {}): MediaUrlChecker {
    const maxOrigins = options.maxOrigins ?? 32;
    const judged = new Map<string, Promise<boolean>>();
    return async (body, paramPrefix = '') => {
      if (this.mode === 'any') return null;
      for (const { param, url } of mediaUrlsOf(body)) {
        if (DATA_URL.test(url)) continue;
        const refuse = (why: string): MediaUrlRefusal => ({
          code: 'media_url_not_allowed',
          param: `${paramPrefix}${param}`,
          message: `${paramPrefix}${param}: ${why}`,
        });
        if (this.mode === 'off')
          return refuse('media URLs are turned off on this server; send the media as a data: URL.');
        const origin = plainOrigin(url);
        if (origin === null)
          return refuse(
            'a media URL must be a data: URL or a plain http(s) URL (printable ASCII, no backslash, no credentials).',
          );
        let verdict = judged.get(origin);
        if (verdict === undefined) {
          if (judged.size >= maxOrigins)
            return refuse(
              `media URLs may name at most ${maxOrigins} distinct hosts in one request or batch file.`,
            );
          // A check that fails (resolver trouble) refuses: the URL is not known to be public.
          verdict = this.#checkUrl(url).then(
            (check) => check.ok,
            () => false,
          );
          judged.set(origin, verdict);
        }
        if (!(await verdict))
          return refuse(
            'the media URL does not point at a public address; send the media as a data: URL.',
          );
      }
      return null;
    };
  }
}

/** The URL's scheme and host when it is a plain http(s) URL without credentials, else null. */
function plainOrigin(raw: string): string | null {
  if (!PLAIN_URL.test(raw)) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username !== '' || url.password !== '') return null;
  return `${url.protocol}//${url.hostname}`;
}
