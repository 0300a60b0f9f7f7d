-- Moves one document; a final state drops its checkpoint, and the last one ends the batch.
-- KEYS: record, states, results, unfinished, checkpoints, documents, openBatches, finalEvents.
-- ARGV: documentId, newState, resultJson ('' for none), promptTokens, completionTokens, nowIso,
-- resultTtlSeconds. Returns {moved (1|0), batchFinished (1|0)}.
--- @include "shared/move-document"
local moved = move(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]) and 1 or 0
return {moved, finished}
