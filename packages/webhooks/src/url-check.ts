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
      /** Machine-readable reason, fit for a problem+json `detail` or a log. */
      reason: UrlRefusalReason;
      /** A sentence for humans. */
      detail: string;
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
    return { ok: false, reason: 'invalid_url', detail: 'not an absolute URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return {
      ok: false,
      reason: 'scheme_not_allowed',
      detail: `scheme ${url.protocol} is not allowed; use http or https`,
    };
  }
  if (url.username !== '' || url.password !== '') {
    return {
      ok: false,
      reason: 'credentials_not_allowed',
      detail: 'credentials in the URL are not allowed',
    };
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (host === '') return { ok: false, reason: 'invalid_url', detail: 'URL has no host' };

  let addresses: string[];
  if (isIP(host) !== 0) {
    addresses = [host];
  } else {
    try {
      addresses = (await (options.lookup ?? systemLookup)(host)).map((a) => a.address);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      return { ok: false, reason: 'unresolvable', detail: `${host} does not resolve (${code})` };
    }
    if (addresses.length === 0) {
      return { ok: false, reason: 'unresolvable', detail: `${host} has no address` };
    }
  }

  const list = compileAllowList(options.allowList);
  for (const address of addresses) {
    const verdict = judgeAddress(host, address, options.allowPrivate ?? false, list);
    if (!verdict.allowed) {
      return {
        ok: false,
        reason: 'private_address',
        detail: `${host} resolves to ${address} (${verdict.range}), which is not a public address`,
        address,
        range: verdict.range,
      };
    }
  }
  return { ok: true, url, addresses };
}
