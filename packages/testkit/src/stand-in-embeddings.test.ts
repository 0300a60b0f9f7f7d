import { describe, expect, it } from 'vitest';
import {
  fitToContext,
  parseEmbedCall,
  standInEmbedding,
  standInEmbeddingDimensions,
} from './stand-in-embeddings.ts';

describe('standInEmbedding', () => {
  it('is deterministic, unit length and exact in float32', () => {
    const vector = standInEmbedding('the same text');
    expect(vector).toHaveLength(standInEmbeddingDimensions);
    expect(standInEmbedding('the same text')).toEqual(vector);
    expect(standInEmbedding('another text')).not.toEqual(vector);
    expect(Math.hypot(...vector)).toBeCloseTo(1, 6);
    expect(Array.from(new Float32Array(vector))).toEqual(vector);
  });
});

describe('fitToContext', () => {
  it('cuts each input to the context and counts the words kept', () => {
    const fitted = fitToContext(['a b c d e', 'f g', 'h i j k'], 3);
    expect(fitted).toEqual({
      texts: ['a b c', 'f g', 'h i j'],
      promptTokens: 8,
      firstOverLimit: 5,
    });
    expect(fitToContext(['a  b\tc'], undefined)).toEqual({
      texts: ['a  b\tc'],
      promptTokens: 3,
      firstOverLimit: undefined,
    });
  });
});

describe('parseEmbedCall', () => {
  it('reads both dialects, a string input as a list of one', () => {
    const ollama = parseEmbedCall('ollama', {
      model: 'm',
      input: 'x y',
      truncate: false,
      keep_alive: '1m',
      options: { num_ctx: 64 },
    });
    expect(ollama).toEqual({
      ok: true,
      call: {
        dialect: 'ollama',
        model: 'm',
        inputs: ['x y'],
        truncate: false,
        numCtx: 64,
        keepAlive: '1m',
        encodingFormat: 'float',
      },
    });
    const openAi = parseEmbedCall('openai', {
      model: 'm',
      input: ['a'],
      encoding_format: 'base64',
    });
    expect(openAi).toMatchObject({ ok: true, call: { inputs: ['a'], encodingFormat: 'base64' } });
    // Ollama loads the model for a request without input; OpenAI requires one.
    expect(parseEmbedCall('ollama', { model: 'm' })).toMatchObject({
      ok: true,
      call: { inputs: [] },
    });
    expect(parseEmbedCall('openai', { model: 'm' })).toMatchObject({ ok: false });
  });

  it('answers what is wrong with a bad body', () => {
    expect(parseEmbedCall('ollama', { input: 'x' })).toEqual({
      ok: false,
      message: 'model is required',
    });
    expect(parseEmbedCall('openai', { model: 'm', input: [1, 2] })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^invalid input/),
    });
    expect(parseEmbedCall('openai', 'not an object')).toMatchObject({ ok: false });
  });
});
