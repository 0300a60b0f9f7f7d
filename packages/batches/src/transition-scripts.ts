import { luaScript } from '@nightshift/redis';

/**
 * Lua for document state changes (the scripts live in `lua/`, the shared `move` and `start`
 * functions in `lua/shared/`). One script call reads the old state and moves the counts, so a
 * job that runs twice (a worker killed mid-job, a stalled job picked up again) never counts a
 * document twice, and a document in a final state never changes again.
 *
 * The step that makes a batch's last document final also makes the batch final (status, counts,
 * `completedAt`, retention clock) and, when the batch has a webhook, notes its final event as
 * pending: whoever runs the step, with or without a notifier, the batch ends right there, once.
 *
 * KEYS (every script but markStop): record, states, results, unfinished, checkpoints,
 * documents, openBatches, finalEvents.
 */
const script = (name: string) => luaScript(new URL(`./lua/${name}.lua`, import.meta.url));

/** Moves one document. Returns {moved (1|0), batchFinished (1|0)}. */
export const moveDocumentScript = script('move-document');

/**
 * Starts a document: a cancelled or expired batch's document ends in that state; a final one is
 * a duplicate run; otherwise it runs with its checkpoint.
 */
export const startDocumentScript = script('start-document');

/** Ends a batch whose documents are all final but that is not final yet; a no-op otherwise. */
export const finishBatchScript = script('finish-batch');

/** Marks a batch cancelled or expired unless it is final already. */
export const markStopScript = script('mark-stop');
