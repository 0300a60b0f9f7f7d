import type { Config } from '@nightshift/core';
import {
  configuredUpstreams,
  fallbacksFrom,
  Gateway,
  type UpstreamClients,
} from '@nightshift/gateway';

/** The gateway a worker runs batch request lines through, and how to close its connections. */
export interface BatchRequestGateway {
  gateway: Gateway;
  clients: UpstreamClients;
  close(): Promise<void>;
}

/**
 * The gateway of the cold lane's request lines (OpenAI-compatible batches): the same upstreams,
 * fallbacks, breakers and timeouts as the API's (`apps/api/src/gateway/gateway-wiring.ts`), but
 * without the interactive leases (cold work would yield to itself) and without the VRAM check
 * (the cold lane's admission decides that before a job starts); usage is metered per line by
 * the request processor, as documents are.
 *
 * @example
 * const { gateway, clients } = batchRequestGateway(config);
 */
export function batchRequestGateway(config: Config): BatchRequestGateway {
  const { clients, pool } = configuredUpstreams(config);
  const gateway = new Gateway({
    pool,
    fallbacks: fallbacksFrom(config),
    totalTimeoutMs: config.NIGHTSHIFT_GATEWAY_TOTAL_TIMEOUT_S * 1000,
  });
  return { gateway, clients, close: () => clients.close() };
}
