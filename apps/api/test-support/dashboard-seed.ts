import type { WorkerStatus } from '@nightshift/fleet';
import type { apiUnderTest } from './api-under-test.ts';

type Api = Awaited<ReturnType<typeof apiUnderTest>>;

/**
 * Test-only: a worker status as an H200 worker publishes it (numbers from the nvidia-smi capture
 * at 50% memory held), with its window closed and opening in 3 h 12 min.
 */
export function h200WorkerStatus(now = new Date()): WorkerStatus {
  return {
    id: 'gpu-node-7:0',
    host: 'gpu-node-7',
    pid: 4242,
    startedAt: new Date(now.getTime() - 3_600_000).toISOString(),
    updatedAt: now.toISOString(),
    provider: 'ollama',
    gpu: {
      probe: 'nvidia-smi',
      status: 'ok',
      gpus: [
        {
          index: 0,
          name: 'NVIDIA H200',
          totalMiB: 143771,
          usedMiB: 71671,
          freeMiB: 71486,
          usedPct: 49.9,
        },
      ],
    },
    window: {
      spec: '22:00-06:00',
      timeZone: 'UTC',
      open: false,
      nextTransition: new Date(now.getTime() + (3 * 60 + 12) * 60_000).toISOString(),
    },
    lanes: {
      hot: { slots: 2, running: 1 },
      cold: { slots: 2, running: 0, paused: true, reason: 'outside the off-peak window' },
    },
    modelsLoaded: ['qwen3:32b'],
    recentHotMs: [4200, 3900],
  };
}

/**
 * Test-only: a worker, a batch of four documents with one done and one running, and a
 * dead-lettered webhook delivery, so every section of the dashboard has something to show.
 */
export async function seedDashboard(api: Api): Promise<{ batchId: string; deliveryId: string }> {
  await api.fleet.publish(h200WorkerStatus());
  const res = await api.postJson('/v1/batches', {
    documents: ['alpha', 'beta', 'gamma', 'delta'].map((id) => ({ id, text: `The ${id} report.` })),
    metadata: { source: 'nightly-import' },
  });
  const { id: batchId } = (await res.json()) as { id: string };
  await api.store.moveDocument(batchId, 'alpha', 'running');
  await api.store.moveDocument(batchId, 'alpha', 'succeeded', {
    documentId: 'alpha',
    status: 'succeeded',
    summary: 'Alpha, briefly.',
    model: 'qwen3:32b',
    usage: { promptTokens: 120, completionTokens: 30 },
  });
  await api.store.moveDocument(batchId, 'beta', 'running');

  const deliveryId = 'msg_dashboard_dead_letter';
  const { deliveries } = api.webhooks;
  await deliveries.open({
    id: deliveryId,
    tenant: 'acme',
    batchId,
    eventType: 'batch.completed',
    url: 'https://hooks.acme.example/nightshift',
    body: '{}',
  });
  await deliveries.recordAttempt(
    deliveryId,
    {
      at: new Date().toISOString(),
      url: 'https://hooks.acme.example/nightshift',
      status: 502,
      durationMs: 812,
      error: 'http_502',
      response: 'Bad Gateway',
    },
    { settle: 'failed', tenant: 'acme' },
  );
  return { batchId, deliveryId };
}
