-- Ends a batch whose documents are all final but that is not final yet (a batch recorded by a
-- version that left this to a separate finalizer); a no-op otherwise, so safe to run any time.
-- KEYS: record, states, results, unfinished, checkpoints, documents, openBatches, finalEvents.
-- ARGV: nowIso, resultTtlSeconds. Returns {batchFinished (1|0), finalEventPending (1|0)}.
--- @include "shared/move-document"
finishIfDone(ARGV[1], ARGV[2])
local id = redis.call('HGET', KEYS[1], 'id')
local pending = id and redis.call('ZSCORE', KEYS[8], id) and 1 or 0
return {finished, pending}
