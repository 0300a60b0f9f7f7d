import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { ColdServerStatus, FleetRegistry, WorkerStatus } from '@nightshift/fleet';
import {
  type ColdLaneController,
  interactiveServerKey,
  type ServerColdState,
} from '@nightshift/lanes';
import type { ActivitySeries } from '@nightshift/metrics';
import type { LaneActivity } from './lane-activity.ts';

/** Options of {@link StatusPublisher}. */
export interface StatusPublisherOptions {
  registry: FleetRegistry;
  lane: ColdLaneController;
  activity: LaneActivity;
  id: string;
  /** The summarization provider serving now (it can change in `auto` mode). */
  provider: () => string;
  probeKind: string;
  windowSpec: string;
  timeZone: string;
  hotSlots: number;
  /** Models loaded on the GPU now (Ollama /api/ps), or none known. */
  loadedModels?: () => Promise<string[]>;
  intervalMs?: number;
  /** The cold places of each model server, e.g. `coldCapacity.snapshot()`. */
  servers?: () => ServerColdState[];
  /** Where each published VRAM reading also goes, for the dashboard's 24-hour plot. */
  series?: Pick<ActivitySeries, 'vramReading'>;
}

/**
 * Publishes this worker's status for `GET /v1/workers`, the hot-lane admission at the API and
 * the dashboard: identity, window, VRAM reading, slots in use and loaded models.
 */
export class StatusPublisher {
  readonly #o: StatusPublisherOptions;
  readonly #startedAt = new Date().toISOString();
  #timer: NodeJS.Timeout | undefined;
  #models: string[] = [];
  #modelsReadAt = 0;

  constructor(options: StatusPublisherOptions) {
    this.#o = options;
  }

  /**
   * Publishes the first status, then keeps publishing. Resolves once the first one landed (or
   * failed), so a worker that says it is running is already visible to the API's admission.
   */
  async start(): Promise<void> {
    // A status that cannot be published while Redis is away simply expires; the next one lands.
    const tick = () => this.publish().catch(() => {});
    this.#timer = setInterval(tick, this.#o.intervalMs ?? 500);
    this.#timer.unref();
    await tick();
  }

  async publish(): Promise<void> {
    const status = await this.status();
    await this.#o.registry.publish(status);
    if (this.#o.series && status.gpu.gpus.length > 0) {
      await this.#o.series.vramReading(status.host, status.gpu.gpus, new Date(status.updatedAt));
    }
  }

  async status(): Promise<WorkerStatus> {
    const o = this.#o;
    const snapshot = o.lane.snapshot();
    const reading = snapshot.reading;
    if (o.loadedModels && Date.now() - this.#modelsReadAt > 5_000) {
      this.#modelsReadAt = Date.now();
      this.#models = await o.loadedModels().catch(() => this.#models);
    }
    return {
      id: o.id,
      host: hostname(),
      pid: process.pid,
      startedAt: this.#startedAt,
      updatedAt: new Date().toISOString(),
      provider: o.provider(),
      gpu: {
        probe: o.probeKind,
        status: reading?.status ?? 'unknown',
        reason: reading?.status === 'unknown' ? reading.reason : undefined,
        gpus: reading?.status === 'ok' ? reading.gpus : [],
      },
      window: {
        spec: o.windowSpec,
        timeZone: o.timeZone,
        open: snapshot.window.open,
        nextTransition: snapshot.window.nextTransition?.toISOString() ?? null,
      },
      lanes: {
        hot: { slots: o.hotSlots, running: o.activity.hotRunning },
        cold: {
          slots: snapshot.admission?.slots ?? 0,
          running: snapshot.runningCold,
          paused: snapshot.paused,
          reason: snapshot.admission?.reason ?? null,
          tunedLimit: snapshot.tunedLimit,
          server: snapshot.server?.status === 'ok' ? snapshot.server.load : null,
          ...(o.servers ? { servers: o.servers().map(coldServerStatus) } : {}),
        },
      },
      modelsLoaded: this.#models,
      recentHotMs: o.activity.recentHotMs(),
    };
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#o.registry.remove(this.#o.id).catch(() => {});
  }
}

/**
 * A server's cold places as tenants may read them: named by a digest of its `host:port`, the
 * same on every worker that uses it, so the status never shows an address.
 */
export function coldServerStatus(state: ServerColdState): ColdServerStatus {
  const digest = createHash('sha256').update(interactiveServerKey(state.url)).digest('hex');
  return {
    id: `server-${digest.slice(0, 10)}`,
    kind: state.kind,
    batching: state.batching,
    places: state.ceiling,
    limit: state.limit,
    coldInFlight: state.inFlight,
    coldInFlightAll: state.inFlightAll,
    chats: state.batching === 'slots' ? state.chats : null,
  };
}
