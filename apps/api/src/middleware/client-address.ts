import { BlockList, isIP } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';

/** Variables {@link clientAddresses} sets on the context. */
export type ClientAddressVariables = { clientAddress: string };

/** Options of {@link clientAddresses}. */
export interface ClientAddressOptions {
  /**
   * `NIGHTSHIFT_TRUSTED_PROXIES`: addresses or CIDR ranges whose `X-Forwarded-For` is believed.
   * Empty: the socket's peer is the client, whatever the headers say.
   */
  trustedProxies: readonly string[];
}

/** The socket's peer; `unknown` for requests that arrive without one (`app.request()`). */
function peerAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) as `10.0.0.1`. */
const plain = (address: string) => address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');

function trustList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits] = entry.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

/**
 * Decides once per request which address the client has, for every per-address throttle
 * (sign-ins, wrong Bearer keys): the socket's peer, unless that peer is a trusted proxy; then
 * the nearest `X-Forwarded-For` hop that is not itself trusted. Hops are read from the right,
 * because a client can write anything on the left of the header, while each trusted proxy
 * appends the address it saw.
 *
 * @example
 * app.use(clientAddresses({ trustedProxies: config.NIGHTSHIFT_TRUSTED_PROXIES }));
 * app.get('/', (c) => c.text(clientAddress(c)));
 */
export function clientAddresses(
  options: ClientAddressOptions,
): MiddlewareHandler<{ Variables: ClientAddressVariables }> {
  const trusted = trustList(options.trustedProxies);
  const isTrusted = (address: string) => {
    const family = isIP(address);
    return family !== 0 && trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
  return async (c, next) => {
    let address = plain(peerAddress(c));
    if (options.trustedProxies.length > 0 && isTrusted(address)) {
      const hops = (c.req.header('x-forwarded-for') ?? '')
        .split(',')
        .map((hop) => plain(hop.trim()))
        .filter((hop) => isIP(hop) !== 0);
      while (hops.length > 0 && isTrusted(address)) address = hops.pop() as string;
    }
    c.set('clientAddress', address);
    await next();
  };
}

/**
 * The client's address as {@link clientAddresses} decided it; the socket's peer where that
 * middleware did not run.
 */
export function clientAddress(c: Context): string {
  const decided = c.get('clientAddress') as string | undefined;
  return decided ?? plain(peerAddress(c));
}
