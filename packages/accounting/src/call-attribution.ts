/** Whose a model call is: what its GPU time and energy are charged to. */
export interface CallAttribution {
  tenant: string;
  /** `cold`: batch documents and batch lines; `hot`: everything interactive. */
  lane: 'hot' | 'cold';
  /** The model that runs the call (a fallback's name when a fallback answers). */
  model: string;
  /** The upstream's id (`ollama@gpu1:11434`): the server whose busy time the call shares. */
  server: string;
  /**
   * The server's fixed slots (upstream `batching: 'slots'`, Ollama): only that many calls run
   * at once, the rest wait unbilled. Absent or 0: continuous batching, every call in flight runs.
   */
  slots?: number | undefined;
  batchId?: string | undefined;
  documentId?: string | undefined;
}

/** One call being accounted: end it once, however the call ends. */
export interface AccountedCall {
  end(): void;
}

/**
 * Where the model-access layer reports each call's interval on its server. Never on a call's
 * critical path: `begin` and `end` return at once and write in the background.
 */
export interface CallAccounting {
  begin(call: CallAttribution): AccountedCall;
}
