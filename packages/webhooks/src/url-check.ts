import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { type AddressPolicyOptions, compileAllowList, judgeAddress } from './address-policy.ts';

/** Why a webhook URL was refused at submission. */
export type UrlRefusalReason =
  | 'invalid_url'
  | 'scheme_not_allowed'
  | 'credentials_not_allowed'
  | 'unresolvable'
  | 'private_address';

/** Outcome of {@link checkWebhookUrl}. */
export type UrlCheckResult =
  | {
      ok: true;
      /** The parsed URL. */
      url: URL;
      /** Every address the host resolved to (or the literal itself). */
      addresses: string[];
    }
  | {
      ok: false;
      /** Machine-readable reason, for logs and metrics. */
      reason: UrlRefusalReason;
      /**
       * A sentence for the client (problem+json `detail`): it names no address and no resolved
       * name, and reads the same for a host that does not resolve and one that resolves to a
       * refused address, so the answer cannot map what internal names resolve to.
       */
      detail: string;
      /** The full story (host, address, range, resolver error), for server logs only. */
      logDetail: string;
      /** The refused address, when the reason is an address. */
      address?: string;
      /** The ipaddr.js range the refused address fell in (`private`, `loopback`, …). */
      range?: string;
    };

/** A resolver with the shape of `dns.promises.lookup(host, {all: true})`. */
export type LookupAll = (hostname: string) => Promise<{ address: string; family: number }[]>;

/** Options of {@link checkWebhookUrl}. */
export interface CheckWebhookUrlOptions extends AddressPolicyOptions {
  /** Resolver; defaults to the system's (`dns.promises.lookup` with `all: true`). */
  lookup?: LookupAll;
}

/** What the client hears about a host that does not resolve or resolves to a refused address. */
const notAllowed = 'the host does not resolve to an address that is allowed';

function refuse(reason: UrlRefusalReason, detail: string, logDetail = detail) {
  return { ok: false as const, reason, detail, logDetail };
}

const systemLookup: LookupAll = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

/**
 * Submission-time SSRF check: only http(s), no credentials, and every A and AAAA answer must
 * be a public address (unless `allowPrivate` or the allow-list says otherwise). The connect-time
 * agent ({@link createSafeDispatcher}) repeats the address check, so DNS rebinding still fails.
 *
 * @example
 * const check = await checkWebhookUrl('http://10.0.0.5/hook', { allowPrivate: false });
 * if (!check.ok) console.log(check.reason); // 'private_address'
 */
export async function checkWebhookUrl(
  input: string,
  options: CheckWebhookUrlOptions = {},
): Promise<UrlCheckResult> {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return refuse('invalid_url', 'not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return refuse('scheme_not_allowed', `scheme ${url.protocol} is not allowed; use http or https`);
  }
  if (url.username !== '' || url.password !== '') {
    return refuse('credentials_not_allowed', 'credentials in the URL are not allowed');
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (host === '') return refuse('invalid_url', 'URL has no host');

  let addresses: string[];
  if (isIP(host) !== 0) {
    addresses = [host];
  } else {
    try {
      addresses = (await (options.lookup ?? systemLookup)(host)).map((a) => a.address);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      return refuse('unresolvable', notAllowed, `${host} does not resolve (${code})`);
    }
    if (addresses.length === 0) {
      return refuse('unresolvable', notAllowed, `${host} has no address`);
    }
  }

  const list = compileAllowList(options.allowList);
  for (const address of addresses) {
    const verdict = judgeAddress(host, address, options.allowPrivate ?? false, list);
    if (!verdict.allowed) {
      const why = `${host} resolves to ${address} (${verdict.range}), which is not a public address`;
      return { ...refuse('private_address', notAllowed, why), address, range: verdict.range };
    }
  }
  return { ok: true, url, addresses };
}
