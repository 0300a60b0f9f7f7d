import type { UpstreamSpec } from '@nightshift/core';

/** A model server as cold capacity sees it (an upstream of the model layer). */
export interface ColdServer extends UpstreamSpec {
  /** Requests it runs at once (the upstream's `slots`, its default filled in). */
  slots: number;
}

/** One server's cold calls, as the last evaluation decided. */
export interface ServerColdState {
  url: string;
  kind: UpstreamSpec['kind'];
  batching: 'continuous' | 'slots';
  /** The most cold calls this server may hold: capacity − chat reserve, or its slots. */
  ceiling: number;
  /** The most it may hold now (less after requests waited inside it, or while chat runs on it). */
  limit: number;
  /** This worker's cold calls on it. */
  inFlight: number;
  /** Cold calls of every worker on it, as last read (with a shared count; else this worker's). */
  inFlightAll: number;
  /** Chats running on it, as last read (fixed slots; continuous batching keeps a reserve instead). */
  chats: number;
}

/** A cold call's place on a server; `release()` once the call ended (idempotent). */
export interface ColdSlot<S> {
  server: S;
  release(): void;
}

/**
 * The `priority` of cold calls on servers that schedule by priority (vLLM: lower values run
 * first, chat's default is 0): every chat is scheduled ahead of them.
 */
export const COLD_PRIORITY = 100;

/**
 * Default chat reserve of a continuous-batching server: a sixteenth of its sequences, at least
 * one. Every sequence held back is batch throughput lost for the whole night (docs/PERFORMANCE.md,
 * issue 26 item 4); a chat burst past the reserve still gets in, as the lane steps back once
 * requests wait inside the server.
 */
export function defaultChatReserve(sequences: number): number {
  return Math.max(1, Math.ceil(sequences / 16));
}

/** `batching` as set, else by kind: Ollama has fixed slots; OpenAI-compatible servers batch. */
export function batchingOf(
  server: Pick<UpstreamSpec, 'kind' | 'batching'>,
): 'continuous' | 'slots' {
  return server.batching ?? (server.kind === 'ollama' ? 'slots' : 'continuous');
}
