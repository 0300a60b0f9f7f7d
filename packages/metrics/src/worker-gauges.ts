import type { GpuMemory } from '@nightshift/gpu';
import { nightshiftMetrics } from './metric-definitions.ts';
import type { MetricsRecorder } from './metrics-recorder.ts';

/** The part of a worker's cold-lane snapshot the gauges report. */
export interface WorkerGaugeSnapshot {
  window: { open: boolean };
  reading: {
    status: string;
    /** The gpu package's reading, only the fields that name a GPU and feed the VRAM series. */
    gpus?: readonly Pick<GpuMemory, 'index' | 'uuid' | 'usedMiB' | 'freeMiB'>[];
  } | null;
}

/** Options of {@link startWorkerGauges}. */
export interface WorkerGaugesOptions {
  recorder: MetricsRecorder;
  /** Names this worker in the `worker` label (host and pid are a good choice). */
  worker: string;
  /** The worker's latest state; read every interval, never probed here. */
  snapshot: () => WorkerGaugeSnapshot;
  /** Models this worker serves (main, then fallbacks): one `nightshift_worker_models` series each. */
  models?: readonly string[];
  /** How often to publish. Default 5000 ms. */
  intervalMs?: number;
}

const mib = 1024 * 1024;

/**
 * Publishes a worker's window state, its models and VRAM per GPU every few seconds. Each series expires
 * after three missed intervals, so a dead worker drops out of `/metrics` on its own.
 *
 * @example
 * const gauges = startWorkerGauges({ recorder, worker: `${hostname()}:${process.pid}`, snapshot: () => lane.snapshot() });
 * // on shutdown
 * await gauges.stop();
 */
export function startWorkerGauges(options: WorkerGaugesOptions): { stop(): Promise<void> } {
  const intervalMs = options.intervalMs ?? 5000;
  const ttlMs = intervalMs * 3;
  const { recorder, worker } = options;
  const publish = async () => {
    const snapshot = options.snapshot();
    const writes = [
      recorder.set(nightshiftMetrics.windowOpen, { worker }, snapshot.window.open ? 1 : 0, ttlMs),
    ];
    for (const model of options.models ?? []) {
      writes.push(recorder.set(nightshiftMetrics.workerModels, { worker, model }, 1, ttlMs));
    }
    if (snapshot.reading?.status === 'ok') {
      for (const gpu of snapshot.reading.gpus ?? []) {
        const labels = { worker, gpu: gpu.uuid ?? String(gpu.index) };
        writes.push(recorder.set(nightshiftMetrics.vramUsed, labels, gpu.usedMiB * mib, ttlMs));
        writes.push(recorder.set(nightshiftMetrics.vramFree, labels, gpu.freeMiB * mib, ttlMs));
      }
    }
    await Promise.all(writes);
  };
  let last = publish();
  const timer = setInterval(() => {
    last = publish();
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await last;
    },
  };
}
