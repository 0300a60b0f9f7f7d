import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { uploadBatch } from '@nightshift/client';
import type { BatchOptions } from '@nightshift/core';
import { clientFor, followBatch, printJson } from './batch-commands.ts';
import { type CliIo, parseCommand, positiveInt, usageError } from './cli-args.ts';
import { ExitCode, type ExitCodeValue } from './exit-codes.ts';

/** Content types by extension; the API sniffs magic bytes anyway, so this is a courtesy. */
const contentTypes: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.md': 'text/markdown',
  '.txt': 'text/plain',
};

/**
 * `nightshift submit <files…> [--webhook URL] [--model M] [--max-words N] [--wait]`: uploads
 * the files as one multipart batch. Without `--wait` it prints the accepted batch; with it,
 * follows the batch to its end (progress on stderr, final batch on stdout).
 *
 * @example
 * await submitCommand(['a.pdf', 'b.txt', '--wait'], io); // 0, or 3 when the batch failed
 */
export async function submitCommand(args: string[], io: CliIo): Promise<ExitCodeValue> {
  const { values, positionals } = parseCommand('submit', args, {
    webhook: { type: 'string' },
    model: { type: 'string' },
    'max-words': { type: 'string' },
    wait: { type: 'boolean' },
    interval: { type: 'string' },
  });
  if (positionals.length === 0) throw usageError('submit', 'give one or more files');
  const maxWords = positiveInt('submit', 'max-words', values['max-words']);
  const interval = positiveInt('submit', 'interval', values.interval) ?? 1000;

  const options: BatchOptions = {
    ...(values.model ? { model: values.model } : {}),
    ...(maxWords ? { summary: { maxWords } } : {}),
    ...(values.webhook ? { webhook: { url: values.webhook, events: [] } } : {}),
  };
  const files: File[] = [];
  const names = new Set<string>();
  for (const path of positionals) {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      throw usageError('submit', `cannot read ${path}: ${(error as NodeJS.ErrnoException).code}`);
    }
    const type = contentTypes[extname(path).toLowerCase()] ?? 'text/plain';
    files.push(new File([bytes], uniqueName(basename(path), names), { type }));
  }

  const api = clientFor('submit', values, io);
  const upload = { file: files, ...(Object.keys(options).length > 0 ? { options } : {}) };
  const batch = await api.call((c) => uploadBatch(c, upload));
  if (!values.wait) {
    printJson(io, batch);
    return ExitCode.ok;
  }
  io.stderr.write(`Batch ${batch.id} accepted (${batch.counts.total} documents); following it.\n`);
  return followBatch(api, batch.id, interval, io);
}

/** The API keys documents by file name, so `a/x.txt` and `b/x.txt` become `x.txt`, `x-2.txt`. */
function uniqueName(name: string, taken: Set<string>): string {
  const ext = extname(name);
  let candidate = name;
  for (let n = 2; taken.has(candidate); n++)
    candidate = `${name.slice(0, -ext.length || undefined)}-${n}${ext}`;
  taken.add(candidate);
  return candidate;
}
