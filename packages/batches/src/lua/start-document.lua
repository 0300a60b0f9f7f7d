-- Starts a document on a worker in one round trip (see shared/start-document).
-- KEYS: record, states, results, unfinished, checkpoints, documents, openBatches, finalEvents.
-- ARGV: documentId, nowIso, resultTtlSeconds.
-- Returns {'stop', state} | {'duplicate', ''} | {'run', checkpointJson or ''}, then batchFinished.
--- @include "shared/move-document"
--- @include "shared/start-document"
local started = start(ARGV[1], ARGV[2], ARGV[3])
return {started[1], started[2], finished}
