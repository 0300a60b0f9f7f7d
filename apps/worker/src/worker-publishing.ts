import { listLoadedModels } from '@nightshift/llm';
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
  { meter, backend }: Summarization,
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
    ...(config.NIGHTSHIFT_PROVIDER === 'ollama' || config.NIGHTSHIFT_PROVIDER === 'auto'
      ? {
          // In auto mode only while Ollama serves: no /api/ps calls to a server that is gone.
          loadedModels: async () =>
            backend.provider() === 'ollama'
              ? (await listLoadedModels(config.OLLAMA_HOST)).map((m) => m.name)
              : [],
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
