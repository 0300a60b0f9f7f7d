/**
 * Ollama's full name of a model: a name without a tag means `:latest`, so `qwen3` and
 * `qwen3:latest` are one model. A colon before the last `/` belongs to a registry host's port,
 * not to the tag.
 *
 * @example
 * ollamaModelName('qwen3') // 'qwen3:latest'
 * ollamaModelName('registry:5000/team/qwen3') // 'registry:5000/team/qwen3:latest'
 */
export function ollamaModelName(model: string): string {
  const tagStart = model.indexOf(':', model.lastIndexOf('/') + 1);
  return tagStart === -1 ? `${model}:latest` : model;
}

/** Whether two names are one model as Ollama reads them (`llama3` is `llama3:latest`). */
export function sameModel(a: string, b: string): boolean {
  return a === b || ollamaModelName(a) === ollamaModelName(b);
}
