import { createRedis, luaScript } from '@nightshift/redis';
import { useRedis } from '@nightshift/testkit/redis-for-tests';
import { holdRedisScript } from '@nightshift/testkit/redis-hold';
import { describe, expect, it } from 'vitest';
import { accountingKeys } from './accounting-keys.ts';
import { AccountingStore } from './accounting-store.ts';
import type { CallAttribution } from './call-attribution.ts';
import { CallLedger } from './call-ledger.ts';
import type { BookedCharge } from './call-ledger-options.ts';

const db = useRedis((url) => createRedis(url, 'client'));
const holdRedis = luaScript(holdRedisScript);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let serverNo = 0;
/** A fresh server per test, so tests share no calls. */
function server(slots = 0): Omit<CallAttribution, 'tenant'> {
  serverNo++;
  return { lane: 'cold', model: 'm', server: `openai@s${serverNo}:1`, slots };
}

/** Hand-placed intervals, in seconds after a base 100 s ago (the Redis clock must be past them). */
async function replay(
  ledger: CallLedger,
  on: Omit<CallAttribution, 'tenant'>,
  calls: Array<{ name: string; from: number; to: number; tenant?: string; batchId?: string }>,
) {
  const base = Date.now() - 100_000;
  const ids = new Map<string, string>();
  for (const c of [...calls].sort((a, b) => a.from - b.from))
    ids.set(
      c.name,
      await ledger.callStarted(
        { ...on, tenant: c.tenant ?? 't', batchId: c.batchId },
        base + c.from * 1000,
      ),
    );
  const charged = new Map<string, { gpuSeconds: number; joules: number | null }>();
  for (const c of [...calls].sort((a, b) => a.to - b.to)) {
    const charge = await ledger.callEnded(on.server, ids.get(c.name) as string, base + c.to * 1000);
    charged.set(c.name, {
      gpuSeconds: charge?.gpuSeconds ?? Number.NaN,
      joules: charge?.joules ?? null,
    });
  }
  return { base, charged };
}

describe('CallLedger: the time of a call', () => {
  it('is when the call ran, not when Redis got to its writes', async () => {
    const booked: BookedCharge[] = [];
    const ledger = new CallLedger({ redis: db.redis, onCharged: (c) => booked.push(c) });
    await ledger.clockSynced();
    const on = server();
    const call = ledger.begin({ ...on, tenant: 't' });
    await sleep(300);
    // Redis is held for 400 ms (a slow fsync, a long script) just as the call ends.
    const other = createRedis(db.harness.url, 'client');
    await other.ping();
    const held = holdRedis.run(other, [], [400]);
    await sleep(20);
    call.end();
    await held;
    await ledger.settled();
    other.disconnect();
    expect(booked).toHaveLength(1);
    // The 320 ms the call ran, not the 700 ms until Redis wrote its end.
    expect(booked[0]?.gpuSeconds).toBeGreaterThan(0.25);
    expect(booked[0]?.gpuSeconds).toBeLessThan(0.45);
  });

  it('moves a start written after a sweep charged past it up to that sweep, so no time is charged twice', async () => {
    const booked: BookedCharge[] = [];
    const onCharged = (c: BookedCharge) => booked.push(c);
    const slow = createRedis(db.harness.url, 'client');
    const a = new CallLedger({ redis: db.redis, onCharged });
    const b = new CallLedger({ redis: slow, onCharged });
    await Promise.all([a.clockSynced(), b.clockSynced()]);
    const on = server();
    const first = a.begin({ ...on, tenant: 'a' });
    const aBegan = performance.now();
    await sleep(100);
    // b's connection waits on a blocking read: the start it sees now is written only after
    // a's end has been swept.
    const blocked = slow.blpop('nothing-ever', 0.8);
    const second = b.begin({ ...on, tenant: 'b' });
    await sleep(300);
    first.end();
    const aEnded = performance.now();
    await a.settled();
    await blocked;
    await sleep(100);
    second.end();
    const bEnded = performance.now();
    await Promise.all([a.settled(), b.settled()]);
    slow.disconnect();
    const charged = (tenant: string) => booked.find((c) => c.tenant === tenant)?.gpuSeconds ?? 0;
    // a ran alone as far as its sweep knew; b from that sweep's end on. Together the time the
    // server was busy, none of it charged twice (b from its own start would add 150 ms).
    const near = (seconds: number, ms: number) => Math.abs(seconds * 1000 - ms) < 60;
    expect(near(charged('a'), aEnded - aBegan)).toBe(true);
    expect(near(charged('b'), bEnded - aEnded)).toBe(true);
    expect(near(charged('a') + charged('b'), bEnded - aBegan)).toBe(true);
  });
});

describe('CallLedger: the sweep', () => {
  it('splits overlapping time equally on a continuous-batching server', async () => {
    const ledger = new CallLedger({ redis: db.redis });
    const { charged } = await replay(ledger, server(), [
      { name: 'A', from: 0, to: 10 },
      { name: 'B', from: 4, to: 12 },
    ]);
    // A: 4 s alone + 6 s shared by two = 7; B: 3 + 2 alone = 5; together the 12 s busy.
    expect(charged.get('A')?.gpuSeconds).toBeCloseTo(7, 3);
    expect(charged.get('B')?.gpuSeconds).toBeCloseTo(5, 3);
  });

  it('charges nothing to a call while it waits for a fixed slot', async () => {
    const ledger = new CallLedger({ redis: db.redis });
    const { charged } = await replay(ledger, server(1), [
      { name: 'A', from: 0, to: 10 },
      { name: 'B', from: 2, to: 15 },
    ]);
    // One slot: B waits behind A from 2 s to 10 s, then runs alone.
    expect(charged.get('A')?.gpuSeconds).toBeCloseTo(10, 3);
    expect(charged.get('B')?.gpuSeconds).toBeCloseTo(5, 3);
  });

  it('runs the first calls by start in the slots and queues the rest', async () => {
    const ledger = new CallLedger({ redis: db.redis });
    const { charged } = await replay(ledger, server(2), [
      { name: 'A', from: 0, to: 10 },
      { name: 'B', from: 1, to: 10 },
      { name: 'C', from: 2, to: 12 },
    ]);
    // [0,1] A; [1,2] A+B; [2,10] A+B in the two slots, C queued; [10,12] C.
    expect(charged.get('A')?.gpuSeconds).toBeCloseTo(5.5, 3);
    expect(charged.get('B')?.gpuSeconds).toBeCloseTo(4.5, 3);
    expect(charged.get('C')?.gpuSeconds).toBeCloseTo(2, 3);
  });

  it('adds the shares of many overlapping calls up to the busy time, with and without slots', async () => {
    // A fixed pseudo-random mix: 60 calls over 60 s, some overlapping by dozens, with gaps.
    let seed = 7;
    const random = () => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    const calls = Array.from({ length: 60 }, (_, i) => {
      const from = Math.round(random() * 55_000) / 1000;
      return { name: `c${i}`, from, to: from + Math.round(random() * 8_000 + 10) / 1000 };
    });
    const sorted = [...calls].sort((x, y) => x.from - y.from);
    let busy = 0;
    let until = Number.NEGATIVE_INFINITY;
    for (const c of sorted) {
      busy += Math.max(0, c.to - Math.max(c.from, until));
      until = Math.max(until, c.to);
    }
    for (const slots of [0, 1, 4]) {
      const ledger = new CallLedger({ redis: db.redis });
      const { charged } = await replay(ledger, server(slots), calls);
      const total = [...charged.values()].reduce((sum, c) => sum + c.gpuSeconds, 0);
      expect(total).toBeCloseTo(busy, 3);
    }
  });

  it('adds per-batch and per-hour totals that equal the calls', async () => {
    const ledger = new CallLedger({ redis: db.redis });
    const on = server();
    const { base, charged } = await replay(ledger, on, [
      { name: 'A', from: 0, to: 3, tenant: 'acme', batchId: 'batch_sum' },
      { name: 'B', from: 1, to: 4, tenant: 'acme', batchId: 'batch_sum' },
      { name: 'C', from: 2, to: 6, tenant: 'other' },
    ]);
    const store = new AccountingStore({ redis: db.redis });
    const batch = await store.batchTotals('batch_sum');
    const sumAB = (charged.get('A')?.gpuSeconds ?? 0) + (charged.get('B')?.gpuSeconds ?? 0);
    expect(batch.gpuSeconds).toBeCloseTo(sumAB, 5);
    expect(batch.calls).toBe(2);
    // No energy source on this server: unknown, not zero.
    expect(batch.energyWh).toBeNull();
    expect(batch.callsWithoutEnergy).toBe(2);
    const { calls, servers } = await store.hours(base, Date.now());
    const mine = calls.filter((row) => row.server === on.server);
    const busy = servers.find((row) => row.server === on.server)?.busySeconds;
    expect(mine.reduce((sum, row) => sum + row.gpuSeconds, 0)).toBeCloseTo(6, 3);
    expect(busy).toBeCloseTo(6, 3);
    expect(mine.find((row) => row.tenant === 'other')?.gpuSeconds).toBeCloseTo(
      charged.get('C')?.gpuSeconds ?? 0,
      5,
    );
  });

  it('closes a call never ended at the longest allowed call', async () => {
    const ledger = new CallLedger({ redis: db.redis, maxCallMs: 2000 });
    const on = server();
    const lost = await ledger.callStarted(
      { ...on, tenant: 't', batchId: 'batch_lost' },
      Date.now() - 5000,
    );
    const later = await ledger.callStarted({ ...on, tenant: 't' });
    await ledger.callEnded(on.server, later);
    await ledger.settled();
    // Closed at its start + 2 s, charged that, then forgotten (older than any live call).
    expect(await db.redis.hexists(accountingKeys.calls(on.server), lost)).toBe(0);
    expect(
      (await new AccountingStore({ redis: db.redis }).batchTotals('batch_lost')).gpuSeconds,
    ).toBeCloseTo(2, 3);
    expect(await db.redis.zcard(accountingKeys.running(on.server))).toBe(0);
  });

  it('closes a call whose process died at its last sign of life: the living calls keep their time', async () => {
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const on = server();
    // A process that dies right after starting its call: it never says the call still runs.
    const dead = new CallLedger({ redis: db.redis, heartbeatMs: 3_600_000 });
    const lost = await dead.callStarted({ ...on, tenant: 'gone', batchId: 'batch_dead' });
    // A living one, beating every 100 ms; its call runs 1.5 s beside the dead one.
    const living = new CallLedger({ redis: db.redis, heartbeatMs: 100, staleMs: 400 });
    const id = await living.callStarted({ ...on, tenant: 't' });
    await sleep(1500);
    const charge = await living.callEnded(on.server, id);
    await living.settled();
    // The dead call stopped sharing the server once silent (its start): the living call had it
    // all, and the dead one is closed, charged next to nothing.
    expect(charge?.gpuSeconds).toBeGreaterThan(1.45);
    expect(await db.redis.zcard(accountingKeys.running(on.server))).toBe(0);
    expect(await db.redis.zcard(accountingKeys.alive(on.server))).toBe(0);
    const store = new AccountingStore({ redis: db.redis });
    expect((await store.batchTotals('batch_dead')).gpuSeconds).toBeLessThan(0.05);
    expect(await dead.callEnded(on.server, lost)).toBeNull();
  });

  it('keeps a call of a living process running however long it is quiet', async () => {
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const on = server();
    const a = new CallLedger({ redis: db.redis, heartbeatMs: 100, staleMs: 400 });
    const b = new CallLedger({ redis: db.redis, heartbeatMs: 100, staleMs: 400 });
    const long = await a.callStarted({ ...on, tenant: 'a' });
    const short = await b.callStarted({ ...on, tenant: 'b' });
    await sleep(1000);
    const shortCharge = await b.callEnded(on.server, short);
    await b.settled();
    const longCharge = await a.callEnded(on.server, long);
    // Both ran the whole second side by side: half each.
    expect(shortCharge?.gpuSeconds).toBeCloseTo(0.5, 1);
    expect(longCharge?.gpuSeconds).toBeCloseTo(0.5, 1);
  });

  it('splits each sub-interval’s energy among the calls running in it', async () => {
    const ledger = new CallLedger({ redis: db.redis, energyFreshMs: 300_000 });
    const on = server();
    const base = Date.now() - 100_000;
    // Counter (J): 100 W over [0,4], 200 W over [4,10], 100 W over [10,12], 50 W after.
    const samples: Array<[number, number]> = [
      [0, 0],
      [4, 400],
      [10, 1600],
      [12, 1800],
      [14, 1900],
    ];
    for (const [s, joules] of samples) {
      const t = (base + s * 1000).toFixed(3);
      await db.redis.zadd(accountingKeys.energy(on.server), t, `${t}:${joules * 1000}`);
    }
    const a = await ledger.callStarted({ ...on, tenant: 't' }, base);
    const b = await ledger.callStarted({ ...on, tenant: 't' }, base + 4000);
    const chargeA = await ledger.callEnded(on.server, a, base + 10_000);
    const chargeB = await ledger.callEnded(on.server, b, base + 12_000);
    // A: 400 J alone + half of 1200 J; B: the other half + 200 J alone.
    expect(chargeA?.energy).toBe('known');
    expect(chargeA?.joules).toBeCloseTo(1000, 3);
    expect(chargeB?.joules).toBeCloseTo(800, 3);
  });

  it('books each charge for the usage ledger: GPU seconds at the end, energy when a sample settles it', async () => {
    const booked: BookedCharge[] = [];
    const ledger = new CallLedger({
      redis: db.redis,
      energyFreshMs: 300_000,
      onCharged: (charge) => booked.push(charge),
    });
    const on = { ...server(), model: 'qwen3:32b' };
    const base = Date.now() - 100_000;
    const sample = (s: number, joules: number) => {
      const t = (base + s * 1000).toFixed(3);
      return db.redis.zadd(accountingKeys.energy(on.server), t, `${t}:${joules * 1000}`);
    };
    await sample(0, 0);
    const call = ledger.begin({ ...on, tenant: 'acme' });
    await ledger.settled();
    call.end();
    await ledger.settled();
    // Its end lies past the last sample: GPU seconds now, energy pending.
    expect(booked).toEqual([
      expect.objectContaining({ tenant: 'acme', lane: 'cold', model: 'qwen3:32b', joules: null }),
    ]);
    expect(booked[0]?.gpuSeconds).toBeGreaterThan(0);
    await sample(200, 20_000);
    expect(await ledger.settlePending(on.server)).toBe(1);
    await ledger.settled();
    expect(booked[1]).toMatchObject({ tenant: 'acme', model: 'qwen3:32b', gpuSeconds: 0 });
    expect(booked[1]?.joules).toBeGreaterThan(0);
  });
});
