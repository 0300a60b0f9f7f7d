/** One GPU as a worker last read it. */
export interface GpuStatus {
  index: number;
  name?: string | undefined;
  totalMiB: number;
  usedMiB: number;
  freeMiB: number;
  usedPct: number;
}

/** What a worker publishes about itself, several times a second while it lives. */
export interface WorkerStatus {
  id: string;
  host: string;
  pid: number;
  startedAt: string;
  updatedAt: string;
  /** `ollama`, `openai` or `extractive`. */
  provider: string;
  gpu: {
    /** `nvidia-smi`, `ollama` or `none`. */
    probe: string;
    /** `ok`, `unknown` (probe failed) or `none` (no GPU facts by configuration). */
    status: 'ok' | 'unknown' | 'none';
    reason?: string | undefined;
    gpus: GpuStatus[];
  };
  window: { spec: string; timeZone: string; open: boolean; nextTransition: string | null };
  lanes: {
    hot: { slots: number; running: number };
    cold: { slots: number; running: number; paused: boolean; reason: string | null };
  };
  modelsLoaded: string[];
  /** Durations of the most recent hot jobs, for an honest Retry-After. */
  recentHotMs: number[];
}
