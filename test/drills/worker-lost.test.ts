import type { StandInRequest } from '@nightshift/testkit/ollama-stand-in';
import OpenAI, { toFile } from 'openai';
import { describe, expect, it } from 'vitest';
import { drillHarness } from '../support/drill-harness.ts';
import { chatLine, jsonl } from '../support/openai-batch-stack.ts';
import { jsonLines } from '../support/service-process.ts';
import { type Stack, stackKey, waitFor } from '../support/stack.ts';

// A worker that dies again and again (an out-of-memory loop, a pod evicted twice): every line
// of an OpenAI-compatible batch is still answered once, within a stated time, with one webhook.
// Each line is 30 words at 10 ms a word: ~300 ms on the model server, so a kill lands mid-line.
const lockMs = 1500;
const drill = drillHarness({
  tokenLatencyMs: 10,
  env: {
    NIGHTSHIFT_JOB_LOCK_MS: String(lockMs),
    NIGHTSHIFT_COLD_CONCURRENCY: '2',
    NIGHTSHIFT_MODEL_AFFINITY_WAIT_S: '0',
  },
});

const filler = Array.from({ length: 28 }, (_, i) => `word${i}`).join(' ');
const marker = (i: number) => `line-${i}-marker`;
const lines = (count: number) =>
  Array.from({ length: count }, (_, i) =>
    chatLine(`line-${i}`, `${marker(i)} ${filler}`, { max_tokens: 30 }),
  );

/** The stand-in's calls for line `i` (a line called twice was run again after a kill). */
const callsOf = (i: number) =>
  drill.ollama.requests.filter((r) => r.messages?.some((m) => m.content.includes(marker(i))));
const lineOf = (r: StandInRequest) => /line-(\d+)-marker/.exec(r.messages?.at(-1)?.content ?? '');

/** A call after `since` of a line also called before `since`: a stalled job's rerun. */
const isRerun = (r: StandInRequest, since: number) => {
  const match = lineOf(r);
  if (!match || r.receivedAt < since) return false;
  return callsOf(Number(match[1])).some((earlier) => earlier.receivedAt < since);
};

async function openAiBatch(s: Stack, count: number) {
  const client = new OpenAI({ baseURL: `${s.base}/openai/v1`, apiKey: stackKey, maxRetries: 0 });
  const file = await client.files.create({
    file: await toFile(Buffer.from(jsonl(lines(count))), 'input.jsonl'),
    purpose: 'batch',
  });
  const batch = await client.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
    // Nightshift's extension: a signed webhook when the batch ends.
    webhook: { url: drill.receiver.url },
  } as OpenAI.Batches.BatchCreateParams);
  return { client, batch };
}

async function finished(client: OpenAI, id: string, timeoutMs: number) {
  return waitFor(
    async () => {
      const batch = await client.batches.retrieve(id);
      return ['completed', 'failed', 'expired', 'cancelled'].includes(batch.status) && batch;
    },
    timeoutMs,
    `batch ${id} final`,
  );
}

async function fileLines(client: OpenAI, id: string | null | undefined) {
  if (!id) return [];
  const text = await (await client.files.content(id)).text();
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { custom_id: string; error: { code: string } | null });
}

/**
 * Waits until a line is in flight on the model server (after `since`, a line run again), then
 * kills the worker (`kill -9`) and starts a new one. Returns the line it killed mid-call.
 */
async function killMidLine(s: Stack, rerunAfter?: number) {
  const inFlight = await waitFor(
    async () =>
      drill.ollama.requests.find(
        (r) =>
          r.finishedAt === undefined &&
          lineOf(r) &&
          (rerunAfter === undefined || isRerun(r, rerunAfter)),
      ),
    20_000,
    rerunAfter === undefined ? 'a line in flight' : 'a stalled line running again',
  );
  await s.service('worker').kill();
  const killedAt = Date.now();
  await s.start('worker');
  return { killedAt, line: Number(lineOf(inFlight)?.[1]) };
}

const someLinesDone = (client: OpenAI, batchId: string) =>
  waitFor(
    async () => ((await client.batches.retrieve(batchId)).request_counts?.completed ?? 0) >= 6,
    20_000,
    'some lines done',
  );

/** Both kills: the second lands while a line the first one stalled runs again. */
async function doubleKill(s: Stack, client: OpenAI, batchId: string) {
  await someLinesDone(client, batchId);
  const first = await killMidLine(s);
  return { first, second: await killMidLine(s, first.killedAt) };
}

describe('a worker that dies twice', () => {
  it('the double kill: every line answered once, the batch final, one webhook', async () => {
    const s = await drill.boot();
    const { client, batch } = await openAiBatch(s, 60);
    await doubleKill(s, client, batch.id);

    const ended = await finished(client, batch.id, 40_000);
    expect(ended.status).toBe('completed');
    expect(ended.request_counts).toMatchObject({ total: 60, completed: 60, failed: 0 });
    const output = await fileLines(client, ended.output_file_id);
    expect(output).toHaveLength(60);
    expect(new Set(output.map((l) => l.custom_id)).size).toBe(60);
    expect(await fileLines(client, ended.error_file_id)).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 1000)); // a duplicate webhook would land by now
    expect(drill.receiver.deliveries).toHaveLength(1);
    const logs = jsonLines(s.service('worker').output());
    expect(logs.some((l) => String(l.err ?? '').includes('stalled more than'))).toBe(false);
  });

  it('killed more often than its attempts: the lines fail with a clear error, answered once', async () => {
    // Two attempts: the second kill spends them. The lines of the job it killed end `failed`
    // (worker_lost), the rest succeed, the batch ends, one webhook.
    const s = await drill.boot(undefined, { NIGHTSHIFT_JOB_ATTEMPTS: '2' });
    const { client, batch } = await openAiBatch(s, 60);
    const { second } = await doubleKill(s, client, batch.id);

    const ended = await finished(client, batch.id, 40_000);
    expect(ended.status).toBe('completed');
    const output = await fileLines(client, ended.output_file_id);
    const errors = await fileLines(client, ended.error_file_id);
    expect(output.length + errors.length).toBe(60);
    expect(new Set([...output, ...errors].map((l) => l.custom_id)).size).toBe(60);
    const failed = errors.find((l) => l.custom_id === `line-${second.line}`);
    expect(failed?.error?.code).toBe('worker_lost');
    expect(errors.every((l) => l.error?.code === 'worker_lost')).toBe(true);
    expect(ended.request_counts).toMatchObject({ total: 60, failed: errors.length });
    await new Promise((r) => setTimeout(r, 1000));
    expect(drill.receiver.deliveries).toHaveLength(1);
  });

  it(`a killed worker's jobs come back within NIGHTSHIFT_JOB_LOCK_MS (${lockMs} ms)`, async () => {
    // One worker at a time, so the line in flight at the kill is certainly the killed worker's
    // (with a survivor running beside it, the call in flight may be the survivor's). The promise
    // is measured from the later of the kill and the next worker's start: a restart resets
    // BullMQ's stall check, and the job must be back within the lock time after it.
    const s = await drill.boot(undefined, { NIGHTSHIFT_COLD_GROUP_MAX: '1' });
    const { client, batch } = await openAiBatch(s, 40);
    await someLinesDone(client, batch.id);
    const { killedAt, line } = await killMidLine(s);
    const restartedAt = Date.now();
    const rerun = await waitFor(
      async () => callsOf(line).find((r) => r.receivedAt >= killedAt),
      20_000,
      'the killed line rerun',
    );
    const backAfterMs = rerun.receivedAt - Math.max(killedAt, restartedAt);
    // Back in the queue within the lock time, then picked up at the next free slot (a line,
    // ~300 ms, plus a margin for a loaded machine).
    expect(backAfterMs).toBeLessThanOrEqual(lockMs + 1000);
    const ended = await finished(client, batch.id, 30_000);
    expect(ended.request_counts).toMatchObject({ total: 40, completed: 40 });
  });
});
