/**
 * GPU time and energy per call add up (issue 28's bar, within 2%): a mix of concurrent calls
 * of several tenants through a real Gateway with a CallLedger, on the GPU stand-in with its
 * power model, in vLLM mode (continuous batching) and Ollama mode (fixed slots, calls queued
 * beyond them), with idle gaps, while Redis is held now and then (a slow fsync: the ledger's
 * writes wait, the calls' times must not). Σ per-call GPU seconds = the stand-in's busy seconds;
 * Σ per-call energy + idle energy = what its energy counter (scraped as DCGM) advanced by.
 */
import {
  AccountingStore,
  type BookedCharge,
  CallLedger,
  dcgmEnergySource,
  EnergySampler,
} from '@nightshift/accounting';
import { loadConfig } from '@nightshift/core';
import { createRedis, luaScript } from '@nightshift/redis';
import { type GpuStandIn, startGpuStandIn } from '@nightshift/testkit/gpu-stand-in';
import { useRedis } from '@nightshift/testkit/redis-for-tests';
import { holdRedisScript } from '@nightshift/testkit/redis-hold';
import { afterEach, describe, expect, it } from 'vitest';
import { Gateway } from './gateway.ts';
import { gatewayProvider } from './model-completions.ts';
import { openAiChatCall } from './openai-surface.ts';
import type { UpstreamClients } from './upstream-clients.ts';
import { configuredUpstreams } from './upstream-wiring.ts';
import { fallbacksFrom } from './upstreams.ts';

const db = useRedis((url) => createRedis(url, 'client'));
const holdRedis = luaScript(holdRedisScript);
const model = 'qwen2:7b';
const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function setUp(gpu: GpuStandIn, upstream: Record<string, unknown>) {
  open.push(gpu);
  const config = loadConfig({ NIGHTSHIFT_UPSTREAMS: JSON.stringify([upstream]) });
  const { clients, pool } = configuredUpstreams(config);
  open.push(clients);
  // Each call's charge as the ledger books it, to sum per tenant.
  const charges: BookedCharge[] = [];
  const ledger = new CallLedger({ redis: db.redis, onCharged: (c) => charges.push(c) });
  const gateway = new Gateway({ pool, fallbacks: fallbacksFrom(config), accounting: ledger });
  const server = (await pool.serving(model))[0]?.id as string;
  const sampler = new EnergySampler({
    redis: db.redis,
    server,
    source: dcgmEnergySource({ url: `${gpu.url}/metrics` }),
    ledger,
    periodMs: 250,
  });
  return { gateway, clients, ledger, charges, sampler, server };
}

async function chat(
  gateway: Gateway,
  clients: UpstreamClients,
  tenant: string,
  tokens: number,
  stream: boolean,
) {
  const call = openAiChatCall(
    clients,
    { model, messages: [{ role: 'user', content: words(tokens) }], max_tokens: tokens, stream },
    { tenant, signal: new AbortController().signal },
  );
  const answer = await gateway.open(call);
  for await (const _ of answer.pieces);
}

/** Runs `waves` of calls (each: delay before it, then the call), with `gapMs` idle between waves. */
async function workload(waves: Array<Array<[number, () => Promise<void>]>>, gapMs: number) {
  for (const wave of waves) {
    await Promise.all(
      wave.map(async ([delay, run]) => {
        await sleep(delay);
        await run();
      }),
    );
    await sleep(gapMs);
  }
}

async function conservation(
  gpu: GpuStandIn,
  setup: Awaited<ReturnType<typeof setUp>>,
  run: () => Promise<void>,
) {
  const { ledger, sampler, server } = setup;
  sampler.start();
  // Redis is held 120 ms every 290 ms, as a slow fsync would: the accounting's writes wait,
  // the calls' times must not.
  const other = createRedis(db.harness.url, 'client');
  const holding = setInterval(() => void holdRedis.run(other, [], [120]).catch(() => {}), 290);
  await sleep(400);
  const busyBefore = gpu.power().busySeconds;
  await run();
  await ledger.settled();
  const busy = gpu.power().busySeconds - busyBefore;
  // One more sample past the last call's end settles its energy.
  await sleep(600);
  await sampler.stop();
  clearInterval(holding);
  other.disconnect();
  await ledger.settled();
  const store = new AccountingStore({ redis: db.redis });
  const { calls, servers } = await store.hours(Date.now() - 60_000, Date.now());
  const rows = calls.filter((row) => row.server === server);
  const serverRow = servers.find((row) => row.server === server);
  const gpuSeconds = rows.reduce((sum, row) => sum + row.gpuSeconds, 0);
  const callWh = rows.reduce((sum, row) => sum + (row.energyWh ?? 0), 0);
  return { busy, gpuSeconds, callWh, rows, serverRow, charges: setup.charges };
}

function expectConserved(result: Awaited<ReturnType<typeof conservation>>, tenants: string[]) {
  const { busy, gpuSeconds, callWh, rows, serverRow, charges } = result;
  expect(busy).toBeGreaterThan(1);
  expect(Math.abs(gpuSeconds - busy) / busy).toBeLessThan(0.02);
  expect(serverRow?.busySeconds).toBeCloseTo(gpuSeconds, 6);
  const idleWh = serverRow?.idleEnergyWh ?? Number.NaN;
  const counterWh = serverRow?.energyWh ?? Number.NaN;
  expect(idleWh).toBeGreaterThan(0);
  expect(callWh).toBeGreaterThan(0);
  expect(Math.abs(callWh + idleWh - counterWh) / counterWh).toBeLessThan(0.02);
  for (const tenant of tenants) {
    const charged = charges
      .filter((c) => c.tenant === tenant)
      .reduce((sum, c) => sum + c.gpuSeconds, 0);
    const booked = rows
      .filter((row) => row.tenant === tenant)
      .reduce((sum, row) => sum + row.gpuSeconds, 0);
    expect(charged).toBeGreaterThan(0);
    expect(booked).toBeCloseTo(charged, 6);
  }
  return { busy, gpuSeconds, callWh, idleWh, counterWh };
}

describe('GPU accounting conserves busy time and energy', () => {
  it('on a continuous-batching server (vLLM mode)', async () => {
    const gpu = await startGpuStandIn({
      engine: { stepBaseMs: 30, stepPerSeqMs: 1, maxNumSeqs: 16 },
    });
    const setup = await setUp(gpu, {
      kind: 'openai',
      url: `${gpu.url}/v1`,
      models: [model],
      slots: 16,
    });
    const { gateway, clients } = setup;
    const c =
      (tenant: string, tokens: number, stream = false) =>
      () =>
        chat(gateway, clients, tenant, tokens, stream);
    const result = await conservation(gpu, setup, () =>
      workload(
        [
          [
            [0, c('acme', 40)],
            [50, c('beta', 25, true)],
            [120, c('gamma', 55)],
            [300, c('acme', 20, true)],
          ],
          [
            [0, c('beta', 35)],
            [80, c('gamma', 30, true)],
            [90, c('acme', 45)],
          ],
        ],
        400,
      ),
    );
    expectConserved(result, ['acme', 'beta', 'gamma']);
  });

  it('on a fixed-slot server (Ollama mode), with calls queued beyond the slots', async () => {
    const gpu = await startGpuStandIn({
      mode: 'ollama',
      models: [{ name: model, sizeBytes: 4_000 }],
      engine: { stepBaseMs: 30, stepPerSeqMs: 1 },
      ollama: { memoryBytes: 1_000_000_000, parallel: 2, kvBytesPerToken: 1 },
    });
    const setup = await setUp(gpu, { kind: 'ollama', url: gpu.url, models: [model], slots: 2 });
    const { gateway, clients } = setup;
    const cold = gatewayProvider({
      gateway,
      clients,
      onCapacity: 'wait',
      operation: 'summary.cold',
    });
    const doc = (tenant: string, tokens: number, documentId: string) => async () => {
      await cold.complete({
        model,
        prompt: words(tokens),
        maxTokens: tokens,
        account: { tenant, lane: 'cold', batchId: `batch_${tenant}`, documentId },
      });
    };
    const c = (tenant: string, tokens: number) => () =>
      chat(gateway, clients, tenant, tokens, true);
    const result = await conservation(gpu, setup, () =>
      workload(
        [
          [
            [0, doc('acme', 30, 'd1')],
            [20, doc('acme', 20, 'd2')],
            [40, c('beta', 25)],
            [60, doc('gamma', 15, 'd3')],
            [80, c('beta', 10)],
          ],
          [
            [0, doc('gamma', 25, 'd4')],
            [30, c('beta', 20)],
            [60, doc('acme', 15, 'd5')],
          ],
        ],
        400,
      ),
    );
    expectConserved(result, ['acme', 'beta', 'gamma']);
    const store = new AccountingStore({ redis: db.redis });
    const acme = await store.batchTotals('batch_acme');
    const docs = await store.documentTotals('batch_acme', ['d1', 'd2', 'd5']);
    const docSeconds = [...docs.values()].reduce((sum, d) => sum + d.gpuSeconds, 0);
    expect(acme.calls).toBe(3);
    expect(docSeconds).toBeCloseTo(acme.gpuSeconds, 6);
    expect([...docs.values()].map((d) => d.calls)).toEqual([1, 1, 1]);
    expect(acme.energyWh).toBeGreaterThan(0);
  });
});

describe('the gateway’s accounting hook', () => {
  it('begins and ends once per attempt, on the upstream that ran it, failed attempts included', async () => {
    const gpu = await startGpuStandIn({ engine: { stepBaseMs: 1, stepPerSeqMs: 0 } });
    open.push(gpu);
    // The first upstream refuses connections (a port nobody listens on): its attempt fails.
    const config = loadConfig({
      NIGHTSHIFT_UPSTREAMS: JSON.stringify([
        { kind: 'openai', url: 'http://127.0.0.1:9/v1', models: [model], slots: 64 },
        { kind: 'openai', url: `${gpu.url}/v1`, models: [model], slots: 1 },
      ]),
    });
    const { clients, pool } = configuredUpstreams(config);
    open.push(clients);
    const seen: string[] = [];
    const gateway = new Gateway({
      pool,
      fallbacks: fallbacksFrom(config),
      accounting: {
        begin: (call) => {
          seen.push(`begin ${call.server} ${call.tenant} ${call.lane} slots=${call.slots}`);
          return { end: () => seen.push(`end ${call.server}`) };
        },
      },
    });
    const down = pool.upstreams[0] as (typeof pool.upstreams)[number];
    const up = pool.upstreams[1] as (typeof pool.upstreams)[number];
    // The down server is tried first (most free slots).
    await chat(gateway, clients, 'acme', 3, true);
    expect(seen).toEqual([
      `begin ${down.id} acme hot slots=0`,
      `end ${down.id}`,
      `begin ${up.id} acme hot slots=0`,
      `end ${up.id}`,
    ]);
  });
});
