import { type CallLedger, startEnergySamplers } from '@nightshift/accounting';
import { type Config, coldConcurrencyCap } from '@nightshift/core';
import {
  configuredUpstreams,
  fallbacksFrom,
  Gateway,
  type GatewayOptions,
  OllamaHousekeeping,
  type Upstream,
  type UpstreamClients,
  type UpstreamPool,
  type UpstreamPoolOptions,
} from '@nightshift/gateway';
import { type ColdPlaceLeases, ServerColdCapacity } from '@nightshift/lanes';
import type { Redis } from 'ioredis';

/** Hooks of {@link workerModelLayer}. */
export interface WorkerModelLayerHooks {
  /** Hears every attempt the layer moved past (metrics). */
  onFallback?: GatewayOptions['onFallback'];
  /** Hears every out-of-memory or busy answer, on any call (the cold lane steps back). */
  onCapacityError?: GatewayOptions['onCapacityError'];
  /** Hears a model server found up or down (a log line; `auto` follows it). */
  onHealthChange?: UpstreamPoolOptions['onHealthChange'];
  /** Interactive calls in flight on a server (its URL): a fixed-slot server lends chat its slots. */
  interactiveOn?: (server: string) => Promise<number>;
  /**
   * The cold places of every worker (Redis): workers sharing a server never exceed its places
   * together. Unset: this worker's calls alone are counted.
   */
  coldPlaces?: ColdPlaceLeases;
  /**
   * GPU time and energy per call: every call's interval goes to `ledger`, and the upstreams
   * with an `energy` source are sampled from here (one replica per server, by lease).
   */
  accounting?: {
    ledger: CallLedger;
    redis: Redis;
    onError?: (error: unknown) => void;
    /** Hears each energy sample's idle part, J (`/metrics`). */
    onIdleEnergy?: (server: string, joules: number) => void;
  };
}

/** A worker's one way to the model servers, and how to close its connections. */
export interface WorkerModelLayer {
  gateway: Gateway;
  clients: UpstreamClients;
  pool: UpstreamPool;
  /** Cold calls' places per server: each cold model call takes one (`ServerColdCapacity`). */
  coldCapacity: ServerColdCapacity<Upstream>;
  /** The chores on its Ollama upstreams: models loaded, unloading at window close, the VRAM probe. */
  housekeeping: OllamaHousekeeping;
  close(): Promise<void>;
}

/**
 * The worker's model-access layer: every model call it makes (hot and cold summaries, the
 * request lines of OpenAI-compatible batches) goes through this one gateway, so they share the
 * upstreams (`NIGHTSHIFT_UPSTREAMS`, or the one server `OLLAMA_HOST` names), the per-model
 * breakers, the fallback chains and the connect/read/total deadlines with each other and
 * behave as the API's chat does (`apps/api/src/gateway/gateway-wiring.ts`). It takes no
 * interactive leases (cold work would yield to itself) and checks no VRAM (the lanes' admission
 * decides that before a job starts); documents and lines are metered by their processors.
 *
 * @example
 * const layer = workerModelLayer(config, { onCapacityError: () => lane.noteServerOverload() });
 */
export function workerModelLayer(
  config: Config,
  hooks: WorkerModelLayerHooks = {},
): WorkerModelLayer {
  const { clients, pool } = configuredUpstreams(
    config,
    hooks.onHealthChange ? { onHealthChange: hooks.onHealthChange } : {},
  );
  const gateway = new Gateway({
    pool,
    fallbacks: fallbacksFrom(config),
    // The breakers' settings are the API's (CircuitBreaker's defaults): one behaviour for all.
    totalTimeoutMs: config.NIGHTSHIFT_GATEWAY_TOTAL_TIMEOUT_S * 1000,
    ...(hooks.onFallback ? { onFallback: hooks.onFallback } : {}),
    ...(hooks.onCapacityError ? { onCapacityError: hooks.onCapacityError } : {}),
    ...(hooks.accounting ? { accounting: hooks.accounting.ledger } : {}),
  });
  const samplers =
    hooks.accounting &&
    startEnergySamplers({
      redis: hooks.accounting.redis,
      ledger: hooks.accounting.ledger,
      upstreams: pool.upstreams,
      nvidiaSmi: config.NIGHTSHIFT_NVIDIA_SMI,
      ...(hooks.accounting.onError ? { onError: hooks.accounting.onError } : {}),
      ...(hooks.accounting.onIdleEnergy ? { onIdleEnergy: hooks.accounting.onIdleEnergy } : {}),
    });
  const coldCapacity = new ServerColdCapacity<Upstream>({
    servers: config.NIGHTSHIFT_PROVIDER === 'extractive' ? [] : pool.upstreams,
    maxTotal: coldConcurrencyCap(config),
    ...(hooks.interactiveOn ? { interactiveOn: hooks.interactiveOn } : {}),
    ...(hooks.coldPlaces ? { shared: hooks.coldPlaces } : {}),
  });
  return {
    gateway,
    clients,
    pool,
    coldCapacity,
    housekeeping: new OllamaHousekeeping({ clients, upstreams: pool.upstreams }),
    close: async () => {
      coldCapacity.stop();
      await samplers?.stop();
      await hooks.accounting?.ledger.settled(2_000);
      await clients.close();
    },
  };
}
