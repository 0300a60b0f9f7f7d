import type { BatchObject } from '@nightshift/core';

/** Options of {@link createProgressBar}. */
export interface ProgressBarOptions {
  /** Where the bar is drawn (stderr, so stdout stays clean for scripts). */
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  /** Width of the bar in characters. Default 30. */
  width?: number;
}

/** Draws a batch's progress: redrawn in place on a terminal, one line per change otherwise. */
export interface ProgressBar {
  update(batch: BatchObject): void;
  /** Ends the in-place line so later output starts on a fresh one. */
  done(): void;
}

/**
 * A dependency-free progress bar for a batch's counts.
 *
 * @example
 * const bar = createProgressBar({ stream: process.stderr });
 * bar.update(batch); // [############------------------]  4/10 · 1 failed · running · 3s
 * bar.done();
 */
export function createProgressBar(options: ProgressBarOptions): ProgressBar {
  const { stream } = options;
  const width = options.width ?? 30;
  const started = Date.now();
  let last = '';
  let drawn = false;
  return {
    update(batch) {
      const line = renderProgress(batch, width);
      const elapsed = `${Math.round((Date.now() - started) / 1000)}s`;
      if (stream.isTTY) {
        stream.write(`\r\x1b[2K${line} · ${elapsed}`);
        drawn = true;
      } else if (line !== last) {
        stream.write(`${line} · ${elapsed}\n`);
      }
      last = line;
    },
    done() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}

/** The bar's text for a batch, without the elapsed time. */
export function renderProgress(batch: BatchObject, width = 30): string {
  const { total, succeeded, failed, cancelled, expired, running } = batch.counts;
  const finished = succeeded + failed + cancelled + expired;
  const filled = total === 0 ? width : Math.round((finished / total) * width);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
  const done = `${String(finished).padStart(String(total).length)}/${total}`;
  const extras = [
    running > 0 ? `${running} running` : '',
    failed > 0 ? `${failed} failed` : '',
    cancelled > 0 ? `${cancelled} cancelled` : '',
    expired > 0 ? `${expired} expired` : '',
  ].filter(Boolean);
  return `${bar} ${[done, ...extras, batch.status].join(' · ')}`;
}
