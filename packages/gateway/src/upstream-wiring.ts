import type { Config } from '@nightshift/core';
import { UpstreamClients } from './upstream-clients.ts';
import { UpstreamPool, type UpstreamPoolOptions } from './upstream-pool.ts';
import { type UpstreamConfig, upstreamsFrom } from './upstreams.ts';

/** The configuration {@link configuredUpstreams} reads: the upstreams and the two timeouts. */
export type UpstreamWiringConfig = UpstreamConfig &
  Pick<Config, 'NIGHTSHIFT_GATEWAY_CONNECT_TIMEOUT_S' | 'NIGHTSHIFT_GATEWAY_READ_TIMEOUT_S'>;

/**
 * The configured upstreams as a gateway uses them: the official clients with the connect and
 * read timeouts, and the pool that balances the upstreams and asks them for their models.
 * The API's interactive gateway and a worker's model layer (summaries and batch lines) both
 * start from this.
 *
 * @example
 * const { clients, pool } = configuredUpstreams(config);
 * const gateway = new Gateway({ pool, fallbacks: fallbacksFrom(config) });
 */
export function configuredUpstreams(
  config: UpstreamWiringConfig,
  hooks: Pick<UpstreamPoolOptions, 'onHealthChange'> = {},
) {
  const clients = new UpstreamClients({
    connectTimeoutMs: config.NIGHTSHIFT_GATEWAY_CONNECT_TIMEOUT_S * 1000,
    readTimeoutMs: config.NIGHTSHIFT_GATEWAY_READ_TIMEOUT_S * 1000,
  });
  const pool = new UpstreamPool({
    upstreams: upstreamsFrom(config),
    discover: (u) => clients.discover(u),
    ...hooks,
  });
  return { clients, pool };
}
