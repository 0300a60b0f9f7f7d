import type { CallAccounting } from '@nightshift/accounting';
import type { Config } from '@nightshift/core';
import { type FleetRegistry, recentFleet } from '@nightshift/fleet';
import {
  configuredUpstreams,
  fallbacksFrom,
  Gateway,
  type GatewayCallRecord,
  type InteractiveLeases,
  type MediaUrlPolicy,
  type UpstreamClients,
} from '@nightshift/gateway';
import { summarizeVram } from '@nightshift/gpu';
import { nightshiftMetrics, WorkMeter } from '@nightshift/metrics';
import type { Redis } from 'ioredis';

/** Options of {@link wireGateway}. */
export interface WireGatewayOptions {
  config: Config;
  /** Live workers: their GPU readings decide whether memory is over the threshold. */
  fleet: FleetRegistry;
  /** Client connection for the usage ledger and metrics (written every `NIGHTSHIFT_METRICS_FLUSH_MS`). */
  redis: Redis;
  /** Hears a failed metrics write; its figures go with the next one. */
  onMetricsError?: (error: Error) => void;
  /** The record of interactive work in flight that the workers' cold lanes yield to. */
  leases?: InteractiveLeases;
  /** How long a fleet reading is reused, ms. Default 250. */
  fleetCacheMs?: number;
  /** What media URLs a body may send the model server (`Services.mediaUrls`). */
  mediaUrls: MediaUrlPolicy;
  /** Where each call's GPU time and energy are charged (`Services.gpuAccounting.ledger`); none when absent. */
  accounting?: CallAccounting;
}

/** The gateway and the clients it calls upstreams with; `close()` ends their connections. */
export interface GatewayWiring {
  gateway: Gateway;
  clients: UpstreamClients;
  /** Checked on every `/openai/v1` body before it is sent: the model server fetches these URLs. */
  mediaUrls: MediaUrlPolicy;
  close(): Promise<void>;
}

/**
 * Builds the gateway from the configuration: upstreams and fallbacks, the connect and read
 * timeouts, the GPU memory check (every reporting worker over `NIGHTSHIFT_VRAM_MAX_USED_PCT`),
 * and the record of each call in the usage ledger and the metrics.
 *
 * @example
 * const { gateway, clients } = wireGateway({ config, fleet, metrics, usage, leases });
 */
export function wireGateway(options: WireGatewayOptions): GatewayWiring {
  const { config } = options;
  const { clients, pool } = configuredUpstreams(config);
  const fleet = recentFleet(options.fleet, options.fleetCacheMs ?? 250);
  const vramOverThreshold = async () => {
    const readings = (await fleet()).filter((w) => w.gpu.status === 'ok' && w.gpu.gpus.length > 0);
    return (
      readings.length > 0 &&
      readings.every((w) => summarizeVram(w.gpu.gpus).usedPct > config.NIGHTSHIFT_VRAM_MAX_USED_PCT)
    );
  };
  // One transaction per interval for every call's figures, not several per call.
  const meter = new WorkMeter({
    redis: options.redis,
    flushMs: config.NIGHTSHIFT_METRICS_FLUSH_MS,
    ...(options.onMetricsError ? { onError: options.onMetricsError } : {}),
  });
  const metrics = meter.recorder;
  const record = (call: GatewayCallRecord) => {
    void metrics.inc(nightshiftMetrics.gatewayRequests, {
      operation: call.operation,
      model: call.model,
      outcome: call.outcome,
    });
    if (call.outcome === 'aborted' && call.promptTokens + call.completionTokens === 0) return;
    void metrics.observe(
      nightshiftMetrics.gatewayTimeToFirstToken,
      { model: call.model },
      call.timeToFirstPieceMs / 1000,
    );
    void metrics.inc(
      nightshiftMetrics.tokens,
      { direction: 'in', model: call.model, tenant: call.tenant },
      call.promptTokens,
    );
    void metrics.inc(
      nightshiftMetrics.tokens,
      { direction: 'out', model: call.model, tenant: call.tenant },
      call.completionTokens,
    );
    void meter.ledger
      .record({
        kind: 'request',
        tenant: call.tenant,
        model: call.model,
        status: call.outcome === 'error' ? 'failed' : 'succeeded',
        promptTokens: call.promptTokens,
        completionTokens: call.completionTokens,
      })
      .catch(() => {});
  };
  const gateway = new Gateway({
    pool,
    fallbacks: fallbacksFrom(config),
    vramOverThreshold,
    totalTimeoutMs: config.NIGHTSHIFT_GATEWAY_TOTAL_TIMEOUT_S * 1000,
    onFinished: record,
    ...(options.leases ? { leases: options.leases } : {}),
    // GPU time and energy per call: the calls' intervals on their servers (packages/accounting).
    ...(options.accounting ? { accounting: options.accounting } : {}),
    onFallback: ({ model, reason }) =>
      metrics.inc(nightshiftMetrics.fallbacks, { model, provider: 'gateway', reason }),
  });
  return {
    gateway,
    clients,
    mediaUrls: options.mediaUrls,
    close: async () => {
      await Promise.all([clients.close(), meter.close()]);
    },
  };
}
