import { describe, expect, it } from 'vitest';
import { ollamaModelName, sameModel } from './model-names.ts';

describe('Ollama model names', () => {
  it('reads a name without a tag as :latest, and a port before the last / as no tag', () => {
    expect(ollamaModelName('qwen3')).toBe('qwen3:latest');
    expect(ollamaModelName('qwen3:32b')).toBe('qwen3:32b');
    expect(ollamaModelName('registry:5000/team/qwen3')).toBe('registry:5000/team/qwen3:latest');
    expect(sameModel('llama3', 'llama3:latest')).toBe(true);
    expect(sameModel('llama3:8b', 'llama3:latest')).toBe(false);
    expect(sameModel('registry:5000/llama3', 'registry:5000/llama3:latest')).toBe(true);
  });
});
