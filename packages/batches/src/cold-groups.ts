import type { ColdDocument } from '@nightshift/core';

/** How a batch's documents are packed into cold jobs. */
export interface ColdGrouping {
  /** Most documents one job carries. 1 puts every document in a job of its own. */
  maxPerJob: number;
  /**
   * Cold slots the documents will run on. Groups are only formed while every slot still gets
   * many jobs, so grouping never leaves a slot idle or makes a small batch wait on one slot.
   */
  slots: number;
}

/** Text longer than this runs alone: its model calls dwarf a job's own cost anyway. */
export const groupableTextChars = 4_096;
/** Jobs per slot a batch must still fill after grouping (keeps the tail short). */
const jobsPerSlot = 8;

/**
 * Packs a batch's documents into cold jobs, in order. A queue pays a fixed cost per job (fetch,
 * lock, finish, the flow's bookkeeping) that a small document's model call does not hide, so
 * short texts of a large batch travel a few to a job; PDFs, uploads and long texts always run
 * alone. Returns the groups: each becomes one job, its documents run one after the other.
 *
 * @example
 * planColdJobs(documents, { maxPerJob: 8, slots: 16 }); // 2,000 short texts → 250 jobs of 8
 */
export function planColdJobs(documents: ColdDocument[], grouping: ColdGrouping): ColdDocument[][] {
  const groupable = (d: ColdDocument) =>
    d.content.kind === 'text' && d.content.text.length <= groupableTextChars;
  const small = documents.filter(groupable).length;
  const size = Math.max(
    1,
    Math.min(
      Math.floor(grouping.maxPerJob),
      Math.floor(small / (Math.max(1, grouping.slots) * jobsPerSlot)),
    ),
  );
  const jobs: ColdDocument[][] = [];
  let open: ColdDocument[] | undefined;
  for (const document of documents) {
    if (size === 1 || !groupable(document)) {
      jobs.push([document]);
      open = undefined;
      continue;
    }
    if (!open || open.length >= size) {
      open = [];
      jobs.push(open);
    }
    open.push(document);
  }
  return jobs;
}
