/**
 * A model's context length as vLLM's OpenAI server enforces it: a request whose prompt plus
 * requested completion exceeds it is refused with HTTP 400 before anything is scheduled. The
 * stand-ins count tokens as words (see `countWords` in ./ollama-stand-in-payloads.ts).
 */

/** vLLM's error body: `type` is the exception's name and `code` the HTTP status, as a number. */
export function vllmErrorBody(message: string, type = 'BadRequestError', code = 400) {
  return { error: { message, type, param: null, code } };
}

/**
 * vLLM's message for a chat request longer than the context, or undefined when it fits.
 * Without `maxTokens` vLLM only needs the prompt to leave room for one token (and then lets the
 * completion fill the rest, see {@link completionCap}).
 */
export function contextLengthMessage(
  contextTokens: number,
  promptTokens: number,
  maxTokens: number | undefined,
): string | undefined {
  if (maxTokens === undefined) {
    if (promptTokens < contextTokens) return undefined;
    // vLLM's wording, comma and all.
    return (
      `This model's maximum context length is ${contextTokens} tokens. However, you requested ` +
      `${promptTokens} tokens in the messages, Please reduce the length of the messages.`
    );
  }
  if (promptTokens + maxTokens <= contextTokens) return undefined;
  return (
    `This model's maximum context length is ${contextTokens} tokens. However, you requested ` +
    `${promptTokens + maxTokens} tokens (${promptTokens} in the messages, ${maxTokens} in the ` +
    'completion). Please reduce the length of the messages or completion.'
  );
}

/** vLLM's message for an embedding input longer than the context, or undefined when it fits. */
export function embeddingContextMessage(
  contextTokens: number,
  inputTokens: number,
): string | undefined {
  if (inputTokens <= contextTokens) return undefined;
  return (
    `This model's maximum context length is ${contextTokens} tokens. However, you requested ` +
    `${inputTokens} tokens in the input for embedding generation. Please reduce the length of ` +
    'the input.'
  );
}

/** The completion cap vLLM applies: what the request asked for, else the rest of the context. */
export function completionCap(
  contextTokens: number,
  promptTokens: number,
  maxTokens: number | undefined,
): number {
  return maxTokens ?? contextTokens - promptTokens;
}
