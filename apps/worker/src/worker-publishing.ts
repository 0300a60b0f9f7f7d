import { startWorkerGauges } from '@nightshift/metrics';
import type { Services } from '@nightshift/services';
import { StatusPublisher } from './status-publisher.ts';
import type { Summarization } from './summarization-setup.ts';
import type { WorkerLanes } from './worker-lanes.ts';

/**
 * Publishes this worker: its lane gauges on `/metrics` and its status in the fleet registry
 * (`GET /v1/workers`), under one id per process.
 *
 * @example
 * const publishing = await startPublishing(services, lanes, summarization);
 * await publishing.stop();
 */
export async function startPublishing(
  services: Services,
  lanes: WorkerLanes,
  { meter, backend, layer }: Summarization,
  workerId: string,
): Promise<{ stop(): Promise<void> }> {
  const { config } = services;
  const gauges = startWorkerGauges({
    recorder: meter.recorder,
    worker: workerId,
    snapshot: () => lanes.lane.snapshot(),
    models: [config.NIGHTSHIFT_MODEL, ...config.NIGHTSHIFT_FALLBACK_MODELS],
  });
  const status = new StatusPublisher({
    registry: services.fleet,
    lane: lanes.lane,
    activity: lanes.activity,
    id: workerId,
    provider: () => backend.provider(),
    probeKind: lanes.probe.kind,
    windowSpec: config.NIGHTSHIFT_COLD_WINDOWS,
    timeZone: config.NIGHTSHIFT_TZ,
    hotSlots: config.NIGHTSHIFT_HOT_CONCURRENCY,
    series: meter.series,
    servers: () => lanes.coldCapacity.snapshot(),
    ...(layer.housekeeping.servers.length > 0
      ? {
          // In auto mode only while a model server serves: no /api/ps calls to a server that is gone.
          loadedModels: async () =>
            backend.provider() === 'extractive' ? [] : layer.housekeeping.loadedModels(),
        }
      : {}),
  });
  await status.start();
  return {
    async stop() {
      await status.stop();
      await gauges.stop();
    },
  };
}
