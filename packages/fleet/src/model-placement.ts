import type { WorkerStatus } from './worker-status.ts';

/** Options of {@link ModelPlacement}. */
export interface ModelPlacementOptions {
  /** This worker's id, as it publishes its status. */
  workerId: string;
  /** The fleet as recently read (`recentFleet`), this worker included. */
  fleet: () => Promise<WorkerStatus[]>;
  /** Whether two model names are one model (`sameModel` of packages/llm: `llama3` = `llama3:latest`). */
  sameModel: (a: string, b: string) => boolean;
  /**
   * How long a job may be passed over for a worker that has its model loaded, in ms, counted from
   * when the job was created. After it, any worker loads the model and runs it. Default 120 000.
   */
  maxWaitMs?: number;
}

/** Where a cold job for a model should run: here, or on a worker that already has it loaded. */
export type Placement =
  | { run: 'here' }
  | {
      run: 'elsewhere';
      /** The worker that has the model loaded and its cold lane running. */
      workerId: string;
    };

/**
 * Keeps a model's cold work on the workers that have it loaded. Loading a model costs seconds to
 * minutes of a GPU doing nothing else, and on a full card it unloads another: a job for a model
 * loaded elsewhere, on a worker whose cold lane runs, is left to that worker. Nobody has it
 * loaded, or the job has waited `maxWaitMs`: it runs here, and loads the model.
 *
 * @example
 * const placement = new ModelPlacement({ workerId, fleet: recentFleet(registry, 1000), sameModel });
 * if ((await placement.place('qwen3:32b', job.timestamp)).run === 'elsewhere') defer(job);
 */
export class ModelPlacement {
  readonly #o: ModelPlacementOptions;

  constructor(options: ModelPlacementOptions) {
    this.#o = options;
  }

  /** Decides for a job of `model` created at `createdAt` (epoch ms). A fleet read that fails means here. */
  async place(model: string, createdAt: number, now = Date.now()): Promise<Placement> {
    if (now - createdAt >= (this.#o.maxWaitMs ?? 120_000)) return { run: 'here' };
    let workers: WorkerStatus[];
    try {
      workers = await this.#o.fleet();
    } catch {
      return { run: 'here' };
    }
    const loaded = (w: WorkerStatus) => w.modelsLoaded.some((m) => this.#o.sameModel(m, model));
    const self = workers.find((w) => w.id === this.#o.workerId);
    if (!self || loaded(self)) return { run: 'here' };
    // A holder whose lane is full still gets it: its slots free up sooner than a model loads.
    const holder = workers.find(
      (w) => w.id !== this.#o.workerId && loaded(w) && !w.lanes.cold.paused,
    );
    return holder ? { run: 'elsewhere', workerId: holder.id } : { run: 'here' };
  }
}
