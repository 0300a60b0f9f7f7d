import {
  embeddingInputCount,
  maxBatchEmbeddingInputs,
  maxChoices,
  maxEmbeddingInputs,
} from '@nightshift/gateway';
import type { BatchEndpoint } from './batch-input-validation.ts';

/** Why a line's body asks for more than one request may, as an input error of the batch. */
export interface LineLimitProblem {
  code: string;
  message: string;
  param: string;
}

/**
 * What one request line may ask for, the same bounds as the interactive surfaces: at most
 * 2,048 embedding inputs, at most 8 choices (`n`). Null when the line is within them.
 * (Output tokens against the model's context are the gateway's check, when the line runs.)
 */
export function lineLimitProblem(
  endpoint: BatchEndpoint,
  body: Record<string, unknown>,
): LineLimitProblem | null {
  if (endpoint === '/v1/embeddings' && embeddingInputCount(body.input) > maxEmbeddingInputs)
    return {
      code: 'too_many_inputs',
      message: `body.input holds at most ${maxEmbeddingInputs} inputs per request.`,
      param: 'body.input',
    };
  if (endpoint !== '/v1/embeddings' && body.n !== undefined && body.n !== null) {
    const n = body.n;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > maxChoices)
      return {
        code: 'invalid_value',
        message: `body.n must be a whole number from 1 to ${maxChoices}.`,
        param: 'body.n',
      };
  }
  return null;
}

/**
 * Counts the embedding inputs of a batch's lines as they are read: OpenAI's cap of 50,000 for
 * one embeddings batch, all lines together. `add` answers the problem of the line that passes it.
 */
export function embeddingInputBudget(endpoint: BatchEndpoint) {
  let total = 0;
  return {
    add(body: Record<string, unknown>): LineLimitProblem | null {
      if (endpoint !== '/v1/embeddings') return null;
      total += embeddingInputCount(body.input);
      return total > maxBatchEmbeddingInputs
        ? {
            code: 'too_many_inputs',
            message: `A batch holds at most ${maxBatchEmbeddingInputs} embedding inputs, all lines together.`,
            param: 'body.input',
          }
        : null;
    },
  };
}
