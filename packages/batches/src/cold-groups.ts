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
 * In a batch's last round (fewer short texts left than one group per slot), groups shrink with
 * what is left, down to one document: its last jobs end close together instead of one slot
 * running a whole group while the others have nothing left.
 */
const tailJobsPerSlot = 1;

/**
 * Packs a batch's documents into cold jobs, in order. A queue pays a fixed cost per job (fetch,
 * lock, finish, the flow's bookkeeping) that a small document's model call does not hide, so
 * short texts (and request lines) of a large batch travel a few to a job; PDFs, uploads and long texts always run
 * alone. In the batch's last round the groups shrink, down to one document. Returns the groups:
 * each becomes one job, its documents run one after the other.
 *
 * @example
 * planColdJobs(documents, { maxPerJob: 8, slots: 16 }); // 2,000 short texts → 235 jobs of 8, then 55 of 7 down to 1
 */
export function planColdJobs(documents: ColdDocument[], grouping: ColdGrouping): ColdDocument[][] {
  // Request lines of OpenAI-compatible batches are one model call each, like a short text.
  const groupable = (d: ColdDocument) =>
    d.content.kind === 'request' ||
    (d.content.kind === 'text' && d.content.text.length <= groupableTextChars);
  const slots = Math.max(1, grouping.slots);
  let smallLeft = documents.filter(groupable).length;
  const size = Math.max(
    1,
    Math.min(Math.floor(grouping.maxPerJob), Math.floor(smallLeft / (slots * jobsPerSlot))),
  );
  const jobs: ColdDocument[][] = [];
  let open: ColdDocument[] | undefined;
  let openSize = size;
  for (const document of documents) {
    if (size === 1 || !groupable(document)) {
      jobs.push([document]);
      open = undefined;
      continue;
    }
    if (!open || open.length >= openSize) {
      openSize = Math.max(1, Math.min(size, Math.floor(smallLeft / (slots * tailJobsPerSlot))));
      open = [];
      jobs.push(open);
    }
    open.push(document);
    smallLeft--;
  }
  return jobs;
}
