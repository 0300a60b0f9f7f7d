/**
 * How the Ollama stand-in runs a request on a model: the armed faults first, then a slot (or a
 * place in the wait queue), the model loaded while it runs and its keep-alive after. Chat,
 * generate and embedding requests all go through it; each brings its own answer.
 */
import type { ServerResponse } from 'node:http';
import { type Flavor, sendError } from './ollama-stand-in-http.ts';
import {
  busyMessage,
  type FaultBook,
  type ModelRegistry,
  missingMessage,
  oomLoadMessage,
  QueueFullError,
  type Slots,
  type StandInFault,
  sleep,
} from './ollama-stand-in-state.ts';

/** A request that runs on a model. */
export interface ModelWork {
  /** Whose error shape it answers in. */
  flavor: Flavor;
  model: string;
  keepAliveMs: number;
  numCtx: number;
  /**
   * Writes the answer once the request holds a slot (and a `slow` fault has passed). `signal`
   * makes the request's abort signal: ask for it only when something waits on it.
   */
  answer(fault: StandInFault | undefined, signal: () => AbortSignal): Promise<void>;
}

/** The stand-in's state a request runs against. */
export interface ModelFloor {
  faults: FaultBook;
  slots: Slots;
  registry: ModelRegistry;
}

/** Faults, a slot, the model loaded while it runs, then `work.answer`. */
export async function runOnModel(
  floor: ModelFloor,
  res: ServerResponse,
  work: ModelWork,
  signal: () => AbortSignal,
): Promise<void> {
  const { faults, slots, registry } = floor;
  const fault = faults.take(work.model);
  if (fault?.kind === 'busy') return sendError(res, work.flavor, 503, busyMessage);
  if (fault?.kind === 'missing')
    return sendError(res, work.flavor, 404, missingMessage(work.model));
  if (fault?.kind === 'oom') {
    registry.unload(work.model);
    return sendError(res, work.flavor, 500, fault.message ?? oomLoadMessage);
  }
  // Most calls find a free slot: no promise to wait on then.
  let release = slots.tryAcquire();
  if (!release) {
    try {
      release = await slots.acquire(signal);
    } catch (err) {
      if (err instanceof QueueFullError) sendError(res, work.flavor, 503, busyMessage);
      return;
    }
  }
  try {
    registry.load(work.model, Number.POSITIVE_INFINITY, work.numCtx);
    if (fault?.kind === 'slow') await sleep(fault.delayMs ?? 1000, signal());
    await work.answer(fault, signal);
  } finally {
    release();
    // Like Ollama, the keep-alive timer starts when the request is done.
    if (work.keepAliveMs <= 0) registry.unload(work.model);
    else registry.load(work.model, work.keepAliveMs, work.numCtx);
  }
}
