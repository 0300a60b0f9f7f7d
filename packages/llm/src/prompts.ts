import type { SummaryOptions } from '@nightshift/core';

/**
 * Which step of a summary a prompt is for: the `whole` document in one call, one `part` of a
 * long document (map), or a `merge` of partial summaries (reduce).
 */
export type SummaryStage = 'whole' | 'part' | 'merge';

/** Input of {@link summarySystemPrompt}. */
export interface SummaryPromptOptions {
  stage: SummaryStage;
  /** True for the call whose answer is the final summary: style and language apply. */
  final: boolean;
  /** Word budget of this call's answer. */
  maxWords: number;
  /** The caller's summary options (style, language). */
  summary?: SummaryOptions;
  /** For `part`: 1-based position and count of parts. */
  part?: { index: number; total: number };
}

const styleLines: Record<NonNullable<SummaryOptions['style']>, string> = {
  paragraph: 'Write it as plain prose, one or a few short paragraphs.',
  bullets: 'Write it as a bullet list: one line per key point, each line starting with "- ".',
  headline: 'Write it as a single headline line, without a trailing period.',
};

/**
 * Default word budget of a final summary for a style.
 *
 * @example
 * defaultMaxWords('headline') // 20
 */
export function defaultMaxWords(style: SummaryOptions['style']): number {
  return style === 'headline' ? 20 : 200;
}

/**
 * The system prompt of one summarization call. The user message is always the text itself
 * (document, part, or partial summaries), so instructions never mix with content.
 *
 * @example
 * summarySystemPrompt({ stage: 'whole', final: true, maxWords: 120, summary: { style: 'bullets', language: 'de' } })
 */
export function summarySystemPrompt(options: SummaryPromptOptions): string {
  const { stage, final, maxWords, summary, part } = options;
  // The same few prompts come back for every document of a batch: built once each.
  const key = `${stage}|${final}|${maxWords}|${summary?.style ?? ''}|${summary?.language ?? ''}|${part?.index ?? ''}/${part?.total ?? ''}`;
  let prompt = builtPrompts.get(key);
  if (prompt === undefined) {
    prompt = buildSystemPrompt(stage, final, maxWords, summary, part);
    if (builtPrompts.size >= maxBuiltPrompts) builtPrompts.clear();
    builtPrompts.set(key, prompt);
  }
  return prompt;
}

const builtPrompts = new Map<string, string>();
/** Keeps the cache small whatever mix of options and part counts passes through. */
const maxBuiltPrompts = 512;

function buildSystemPrompt(
  stage: SummaryStage,
  final: boolean,
  maxWords: number,
  summary: SummaryOptions | undefined,
  part: SummaryPromptOptions['part'],
): string {
  const lines: string[] = [];
  if (stage === 'whole') {
    lines.push('You summarize documents. The user message is the full document.');
  } else if (stage === 'part') {
    const where = part ? `part ${part.index} of ${part.total}` : 'one part';
    lines.push(
      `You summarize long documents piece by piece. The user message is ${where} of a longer document; its neighbours are summarized separately.`,
    );
  } else {
    lines.push(
      'You combine partial summaries. The user message holds summaries of consecutive parts of one long document, in order.',
    );
  }
  if (final) {
    lines.push(
      stage === 'merge'
        ? `Merge them into one summary of the whole document of at most ${maxWords} words.`
        : `Write a summary of at most ${maxWords} words.`,
    );
    lines.push(styleLines[summary?.style ?? 'paragraph']);
    lines.push(
      summary?.language
        ? `Write the summary in this language: ${summary.language}.`
        : 'Write the summary in the language of the document.',
    );
  } else {
    lines.push(
      `Write a dense summary of at most ${maxWords} words in plain prose, keeping names, numbers, dates, decisions and open questions. Write it in the language of the text.`,
    );
    if (stage === 'merge') lines.push('Remove repetition between the parts; keep their order.');
  }
  lines.push(
    'Use only information from the text. Output only the summary: no preamble, no title, no comments.',
  );
  return lines.join('\n');
}
