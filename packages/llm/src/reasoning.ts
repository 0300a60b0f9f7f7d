/** Drops `<think>…</think>` reasoning blocks some models (qwen3, deepseek-r1) emit inline. */
export function stripReasoning(text: string): string {
  return text
    .replace(/<think>[\s\S]*?<\/think>/g, '')
    .replace(/^[\s\S]*<\/think>/, '')
    .trim();
}
