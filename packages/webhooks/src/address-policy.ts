import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Why an address is (or is not) a fair webhook target. */
export interface AddressVerdict {
  /** True when a webhook may be sent to this address. */
  allowed: boolean;
  /** The ipaddr.js range name (`private`, `loopback`, `ipv4Mapped`, …) or `unicast`. */
  range: string;
}

/** Options shared by the submission-time check and the connect-time agent. */
export interface AddressPolicyOptions {
  /** Let every address through (intranets, tests). Scheme and credential rules still apply. */
  allowPrivate?: boolean;
  /**
   * Targets let through although private: hostnames (`hooks.corp`, or `.corp` for every
   * name under it) and CIDRs (`10.1.0.0/16`, `127.0.0.1/32`, `fd00::/8`).
   */
  allowList?: readonly string[];
}

/** An allow-list split into names and parsed CIDRs, ready for matching. */
export interface CompiledAllowList {
  hostnames: string[];
  suffixes: string[];
  cidrs: [ipaddr.IPv4 | ipaddr.IPv6, number][];
}

// 2000::/3 is the only IPv6 block the IANA hands out as global unicast; ipaddr.js calls the
// rest of the unallocated space "unicast" too, so it is refused here on top of range().
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');
// Prefixes that wrap an IPv4 address inside an IPv6 one: the inner address decides.
const IPV4_COMPATIBLE_V6 = ipaddr.IPv6.parseCIDR('::/96');
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');

/**
 * Classifies one IP address (no DNS). Only public unicast passes; addresses that carry an
 * IPv4 address inside (6to4, Teredo, NAT64) pass only when that inner address would.
 *
 * @example
 * classifyAddress('169.254.169.254'); // { allowed: false, range: 'linkLocal' }
 */
export function classifyAddress(address: string): AddressVerdict {
  const bare = stripBrackets(address);
  if (!ipaddr.isValid(bare) || isIP(stripZone(bare)) === 0) {
    return { allowed: false, range: 'invalid' };
  }
  const ip = ipaddr.parse(bare);
  if (ip.kind() === 'ipv4') {
    const range = (ip as ipaddr.IPv4).range();
    return { allowed: range === 'unicast', range };
  }
  const v6 = ip as ipaddr.IPv6;
  const range = v6.range();
  // Any IPv4-mapped form is refused outright: no legitimate receiver publishes one in DNS.
  if (range === 'ipv4Mapped' || range === 'rfc6145') return { allowed: false, range };
  // RFC 8215's local-use NAT64 prefix places the IPv4 address anywhere: refuse it whole.
  if (range === 'rfc6052' && !v6.match(NAT64_WELL_KNOWN)) return { allowed: false, range };
  if (range === '6to4' || range === 'teredo' || range === 'rfc6052') {
    const inner = embeddedIPv4(v6, range);
    const innerVerdict = classifyAddress(inner);
    return innerVerdict.allowed
      ? { allowed: true, range }
      : { allowed: false, range: `${range}:${innerVerdict.range}` };
  }
  if (range !== 'unicast') return { allowed: false, range };
  if (v6.match(IPV4_COMPATIBLE_V6)) return { allowed: false, range: 'ipv4Compatible' };
  if (!v6.match(GLOBAL_UNICAST_V6)) return { allowed: false, range: 'unallocated' };
  return { allowed: true, range };
}

/**
 * Parses allow-list entries once. Throws on an entry that is neither a hostname nor a CIDR.
 *
 * @example
 * const list = compileAllowList(['127.0.0.1/32', 'hooks.internal']);
 */
export function compileAllowList(entries: readonly string[] = []): CompiledAllowList {
  const compiled: CompiledAllowList = { hostnames: [], suffixes: [], cidrs: [] };
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry.includes('/')) {
      if (!ipaddr.isValidCIDR(entry)) throw new RangeError(`invalid CIDR in allow-list: ${raw}`);
      compiled.cidrs.push(ipaddr.parseCIDR(entry));
    } else if (ipaddr.isValid(stripBrackets(entry))) {
      const ip = ipaddr.parse(stripBrackets(entry));
      compiled.cidrs.push([ip, ip.kind() === 'ipv4' ? 32 : 128]);
    } else if (entry.startsWith('.')) {
      compiled.suffixes.push(entry);
    } else {
      compiled.hostnames.push(entry);
    }
  }
  return compiled;
}

/** True when the hostname itself (not its addresses) is on the allow-list. */
export function hostnameAllowed(hostname: string, list: CompiledAllowList): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return (
    list.hostnames.includes(name) ||
    list.suffixes.some((suffix) => name.endsWith(suffix) || `.${name}` === suffix)
  );
}

/** True when the address falls in one of the allow-list's CIDRs. */
export function addressAllowListed(address: string, list: CompiledAllowList): boolean {
  if (list.cidrs.length === 0) return false;
  const bare = stripBrackets(address);
  if (!ipaddr.isValid(bare)) return false;
  // process() unwraps ::ffff:a.b.c.d so an IPv4 CIDR also covers its mapped form.
  const ip = ipaddr.process(bare);
  return list.cidrs.some(([net, bits]) => net.kind() === ip.kind() && ip.match(net, bits));
}

/**
 * The one decision both checks share: may a request to `hostname` go to `address`?
 * Returns the verdict of the address, overridden by `allowPrivate` or the allow-list.
 */
export function judgeAddress(
  hostname: string,
  address: string,
  allowPrivate: boolean,
  list: CompiledAllowList,
): AddressVerdict {
  const verdict = classifyAddress(address);
  if (verdict.allowed || verdict.range === 'invalid') return verdict;
  if (allowPrivate || hostnameAllowed(hostname, list) || addressAllowListed(address, list)) {
    return { allowed: true, range: verdict.range };
  }
  return verdict;
}

function embeddedIPv4(ip: ipaddr.IPv6, range: '6to4' | 'teredo' | 'rfc6052'): string {
  const p = ip.parts;
  const word = (i: number): number => p[i] ?? 0;
  let hi: number;
  let lo: number;
  if (range === '6to4') {
    // 2002:AABB:CCDD::/48 — the site's IPv4 address sits right after the prefix.
    hi = word(1);
    lo = word(2);
  } else if (range === 'teredo') {
    // 2001:0:SERVER:FLAGS:PORT:CLIENT — the client address is stored bit-inverted.
    hi = ~word(6) & 0xffff;
    lo = ~word(7) & 0xffff;
  } else {
    // 64:ff9b::/96 NAT64 — the IPv4 address is the last 32 bits.
    hi = word(6);
    lo = word(7);
  }
  return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
}

function stripBrackets(address: string): string {
  return address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
}

function stripZone(address: string): string {
  const i = address.indexOf('%');
  return i === -1 ? address : address.slice(0, i);
}
