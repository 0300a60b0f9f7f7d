import { describe, expect, it } from 'vitest';
import {
  completionCap,
  contextLengthMessage,
  embeddingContextMessage,
  vllmErrorBody,
} from './stand-in-context-length.ts';

describe('context length as vLLM enforces it', () => {
  it('lets prompt + max_tokens up to the context through, and words the excess as vLLM', () => {
    expect(contextLengthMessage(10, 6, 4)).toBeUndefined();
    expect(contextLengthMessage(10, 6, 5)).toBe(
      "This model's maximum context length is 10 tokens. However, you requested 11 tokens " +
        '(6 in the messages, 5 in the completion). Please reduce the length of the messages or ' +
        'completion.',
    );
  });

  it('without max_tokens needs room for one token and gives the completion the rest', () => {
    expect(contextLengthMessage(10, 9, undefined)).toBeUndefined();
    expect(completionCap(10, 9, undefined)).toBe(1);
    expect(completionCap(10, 2, 3)).toBe(3);
    expect(contextLengthMessage(10, 10, undefined)).toMatch(
      /you requested 10 tokens in the messages, Please reduce the length of the messages\.$/,
    );
  });

  it('refuses an embedding input longer than the context', () => {
    expect(embeddingContextMessage(10, 10)).toBeUndefined();
    expect(embeddingContextMessage(10, 11)).toMatch(/11 tokens in the input for embedding/);
  });

  it("builds vLLM's error body: BadRequestError, param null, the status as code", () => {
    expect(vllmErrorBody('too long')).toEqual({
      error: { message: 'too long', type: 'BadRequestError', param: null, code: 400 },
    });
  });
});
