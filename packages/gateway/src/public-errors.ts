/**
 * What a caller may read of a failure. The gateway's upstreams are internal (their ids name
 * host and port, `ollama@10.0.0.7:11434`), and a client library's message may carry the address
 * it failed to reach: those stay in logs and metrics, and a caller reads "the model server".
 */
import { GatewayError } from './gateway-error.ts';
import { toGatewayError } from './gateway-failures.ts';
import { isLocalFault, localFault } from './local-faults.ts';
import type { Upstream } from './upstreams.ts';

const hidden = 'the model server';

// URLs, IPv4 and bracketed IPv6 addresses with an optional port, localhost, and upstream ids.
const addressPatterns = [
  /\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>)]+/gi,
  /\b(?:ollama|openai)@[^\s'"<>);,]+/gi,
  /\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b/g,
  /\[[0-9a-f:.]+\](?::\d{1,5})?/gi,
  /\blocalhost(?::\d{1,5})?\b/gi,
];

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `message` with every address in it replaced by "the model server": those of `upstreams`
 * (URL, host with port, host name) and anything shaped like a URL, an IP address or localhost.
 */
export function withoutAddresses(message: string, upstreams: readonly Upstream[] = []): string {
  let out = message;
  for (const upstream of upstreams) {
    const url = new URL(upstream.url);
    for (const known of [upstream.url, upstream.id, url.host, url.hostname])
      if (known) out = out.replace(new RegExp(escaped(known), 'g'), hidden);
  }
  for (const pattern of addressPatterns) out = out.replace(pattern, hidden);
  return out;
}

/**
 * Any failure of a gateway call as the caller may read it: {@link toGatewayError} (a local
 * fault as `internal`, whoever caught it), with no address left in its message.
 */
export function publicGatewayError(failure: unknown): GatewayError {
  const error = isLocalFault(failure) ? localFault(failure) : toGatewayError(failure);
  const message = withoutAddresses(error.message);
  if (message === error.message) return error;
  return new GatewayError(error.kind, message, {
    ...(error.param !== undefined ? { param: error.param } : {}),
    ...(error.retryAfterS !== undefined ? { retryAfterS: error.retryAfterS } : {}),
    cause: error,
  });
}
