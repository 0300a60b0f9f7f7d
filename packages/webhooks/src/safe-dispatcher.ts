import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { type AddressPolicyOptions, compileAllowList, judgeAddress } from './address-policy.ts';

/** Raised at connect time when the address about to be dialled is not a fair target. */
export class SsrfBlockedError extends Error {
  /** Stable code, so callers can tell this apart from network errors. */
  readonly code = 'ERR_WEBHOOK_SSRF_BLOCKED';
  /** The host named in the URL. */
  readonly hostname: string;
  /** The address that was refused. */
  readonly address: string;
  /** The ipaddr.js range it fell in. */
  readonly range: string;

  constructor(hostname: string, address: string, range: string) {
    super(`refused to connect to ${hostname} at ${address} (${range})`);
    this.name = 'SsrfBlockedError';
    this.hostname = hostname;
    this.address = address;
    this.range = range;
  }
}

/** Options of {@link createSafeDispatcher}. */
export interface SafeDispatcherOptions extends AddressPolicyOptions {
  /** undici connect options (TLS, connect timeout, …); `lookup` is ours and is overridden. */
  connect?: buildConnector.BuildOptions;
  /** Further undici `Agent` options (pool sizes, keep-alive). */
  agent?: Omit<Agent.Options, 'connect'>;
}

/**
 * An undici `Agent` that checks the address actually dialled, after DNS, on every new
 * connection: a name that resolved to a public address at submission and to 127.0.0.1 now
 * (DNS rebinding) fails with {@link SsrfBlockedError}. IP-literal hosts never reach a DNS
 * lookup, so they are judged before the connector runs.
 *
 * No maintained library does this for undici (request-filtering-agent and ssrf-req-filter
 * wrap `http.Agent`, which fetch/undici do not use), hence this small connector.
 *
 * @example
 * const dispatcher = createSafeDispatcher({ allowPrivate: false });
 * const outcome = await deliverWebhook({ url, body, headers, dispatcher });
 */
export function createSafeDispatcher(options: SafeDispatcherOptions = {}): Agent {
  const allowPrivate = options.allowPrivate ?? false;
  const list = compileAllowList(options.allowList);
  const judge = (hostname: string, address: string) =>
    judgeAddress(hostname, address, allowPrivate, list);

  const base = buildConnector({ ...options.connect, lookup: guardedLookup(judge) });
  const connect: buildConnector.connector = (opts, callback) => {
    const host = opts.hostname;
    if (isIP(host) !== 0) {
      const verdict = judge(host, host);
      if (!verdict.allowed) {
        callback(new SsrfBlockedError(host, host, verdict.range), null);
        return;
      }
    }
    base(opts, callback);
  };
  return new Agent({ ...options.agent, connect });
}

type Judge = (hostname: string, address: string) => { allowed: boolean; range: string };

// Resolves with every answer and refuses the connection if any is not allowed, so a
// half-poisoned answer set cannot win through Happy Eyeballs picking the bad one.
function guardedLookup(judge: Judge): LookupFunction {
  return (hostname: string, options: LookupOptions, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) {
        callback(err, '');
        return;
      }
      for (const { address } of addresses) {
        const verdict = judge(hostname, address);
        if (!verdict.allowed) {
          callback(new SsrfBlockedError(hostname, address, verdict.range), '');
          return;
        }
      }
      if (options.all) {
        callback(null, addresses);
        return;
      }
      const first = addresses[0];
      if (!first) {
        callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '');
        return;
      }
      callback(null, first.address, first.family);
    });
  };
}
