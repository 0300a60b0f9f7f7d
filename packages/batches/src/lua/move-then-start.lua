-- Moves one document to a final state and starts the next document of the same job, in one
-- round trip (documents that travel together in a cold job run back to back).
-- KEYS: record, states, results, unfinished, checkpoints, documents, openBatches, finalEvents.
-- ARGV: documentId, newState, resultJson, promptTokens, completionTokens, nowIso,
-- nextDocumentId, resultTtlSeconds.
-- Returns {moved (1|0), what start-document returns for the next one, batchFinished (1|0)}.
--- @include "shared/move-document"
--- @include "shared/start-document"
local moved = move(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[8]) and 1 or 0
local started = start(ARGV[7], ARGV[6], ARGV[8])
return {moved, started[1], started[2], finished}
