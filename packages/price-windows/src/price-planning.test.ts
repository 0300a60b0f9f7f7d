import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseColdWindows } from '@nightshift/gpu';
import { createRedis } from '@nightshift/redis';
import { type RedisHarness, startRedis } from '@nightshift/testkit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hourMs } from './hourly-values.ts';
import { type PlanningLog, PricePlanning } from './price-planning.ts';
import {
  describePriceSource,
  PrivateSourceError,
  parsePriceSource,
  readPriceSource,
} from './price-source.ts';
import { PriceStore, priceKeys } from './price-store.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');

/** A real HTTP server on 127.0.0.1 answering whatever `body` holds now. */
let server: Server;
let base: string;
let body = '';
let status = 200;
let lastHeaders: IncomingHttpHeaders = {};
let lastUrl = '';
let requests = 0;
let harness: RedisHarness;
let redis: Redis;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests++;
    lastHeaders = req.headers;
    lastUrl = req.url ?? '';
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  harness = await startRedis();
  redis = createRedis(harness.url, 'client');
});
beforeEach(async () => {
  await redis.flushall();
  body = fixture('nightshift-prices.json');
  status = 200;
  requests = 0;
});
afterAll(async () => {
  redis?.disconnect();
  await harness?.stop();
  await new Promise((resolve) => server?.close(resolve));
});

/** Log lines kept for the assertions. */
function recordingLog() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const log: PlanningLog = {
    info: (fields, message) => lines.push({ level: 'info', fields: { ...fields }, message }),
    warn: (fields, message) => lines.push({ level: 'warn', fields: { ...fields }, message }),
  };
  return { lines, log };
}

describe('NIGHTSHIFT_PRICE_SOURCE', () => {
  it('reads each kind, and keeps tokens out of what it shows', () => {
    expect(parsePriceSource('file:/srv/prices.json')).toEqual({
      kind: 'file',
      path: '/srv/prices.json',
    });
    const entsoe = parsePriceSource(
      'entsoe:https://web-api.tp.entsoe.eu/api?documentType=A44&in_Domain=10Y1001A1001A82H&out_Domain=10Y1001A1001A82H&securityToken=secret-1',
    );
    expect(entsoe.kind).toBe('entsoe');
    expect(describePriceSource(entsoe)).not.toContain('secret-1');
    const maps = parsePriceSource(
      'electricitymaps:https://api.electricitymaps.com/v3/carbon-intensity/forecast?zone=DE#auth-token=secret-2',
    );
    expect(maps).toMatchObject({ kind: 'electricitymaps', token: 'secret-2' });
    expect(describePriceSource(maps)).toBe(
      'electricitymaps:https://api.electricitymaps.com/v3/carbon-intensity/forecast?zone=DE',
    );
    expect(() => parsePriceSource('ftp://example.net/p.json')).toThrow(/scheme ftp:/);
    expect(() => parsePriceSource('prices.json')).toThrow(/not a price source/);
    // What the configuration's first check lets through still fails naming the variable.
    expect(() => parsePriceSource('https://exa mple.net/p.json')).toThrow(
      /^NIGHTSHIFT_PRICE_SOURCE: not a price source/,
    );
  });
});

describe('readPriceSource', () => {
  it('refuses a source on a private address (a real server on 127.0.0.1) before any request', async () => {
    await expect(readPriceSource(parsePriceSource(`${base}/prices.json`))).rejects.toThrow(
      PrivateSourceError,
    );
    await expect(readPriceSource(parsePriceSource(`${base}/prices.json`))).rejects.toThrow(
      /127\.0\.0\.1 \(loopback\)/,
    );
    expect(requests).toBe(0);
  });

  it('sends the Electricity Maps token as the auth-token header, never in the URL', async () => {
    body = fixture('electricitymaps-forecast.json');
    const values = await readPriceSource(
      parsePriceSource(
        `electricitymaps:${base}/v3/carbon-intensity/forecast?zone=DE#auth-token=tok-3`,
      ),
      { allowPrivate: true },
    );
    expect(values.values).toHaveLength(24);
    expect(lastHeaders['auth-token']).toBe('tok-3');
    expect(lastUrl).toBe('/v3/carbon-intensity/forecast?zone=DE');
  });

  it('reads a file source from disk (an intranet copy needs no address exception)', async () => {
    const path = new URL('../fixtures/nightshift-prices.csv', import.meta.url).pathname;
    const values = await readPriceSource(parsePriceSource(`file:${path}`));
    expect(values).toMatchObject({ unit: 'gCO2eq/kWh' });
    expect(values.values).toHaveLength(24);
  });

  it('refuses a file source that is a device or too big, rather than read it for ever', async () => {
    await expect(readPriceSource(parsePriceSource('file:/dev/zero'))).rejects.toThrow(
      /not a regular file/,
    );
    const path = new URL('../fixtures/nightshift-prices.csv', import.meta.url).pathname;
    await expect(
      readPriceSource(parsePriceSource(`file:${path}`), { maxBytes: 64 }),
    ).rejects.toThrow(/over 64 bytes/);
  });

  it('asks ENTSO-E for today and tomorrow when the query names no period', async () => {
    body = fixture('entsoe-a44-pt60m.xml');
    await readPriceSource(parsePriceSource(`entsoe:${base}/api?documentType=A44&securityToken=t`), {
      allowPrivate: true,
      now: new Date('2026-12-07T10:30:00Z'),
    });
    const asked = new URL(lastUrl, base).searchParams;
    expect([asked.get('periodStart'), asked.get('periodEnd')]).toEqual([
      '202612070000',
      '202612090000',
    ]);
  });
});

describe('PricePlanning', () => {
  const now = Date.parse('2026-12-07T00:10:00Z');
  const planning = (
    log: PlanningLog,
    clock: { t: number },
    holder = 'w1',
    modelPaces?: ReadonlyMap<string, number>,
  ) =>
    new PricePlanning({
      store: new PriceStore({ redis }),
      source: parsePriceSource(`${base}/prices.json`),
      limits: { spec: 'always', windows: parseColdWindows('always') },
      timeZone: 'UTC',
      queued: async () => [
        {
          id: 'batch_x',
          model: 'm',
          remaining: 1800,
          deadline: Date.parse('2026-12-08T00:00:00Z'),
        },
      ],
      throughput: async () => ({ documentsPerS: 1 }),
      holder,
      log,
      allowPrivate: true,
      now: () => new Date(clock.t),
      ...(modelPaces ? { modelThroughput: async () => modelPaces } : {}),
    });

  it('fetches once, caches the values in Redis for every replica, and stores the plan', async () => {
    const { log } = recordingLog();
    const clock = { t: now };
    const plan = await planning(log, clock).round();
    expect(plan?.unit).toBe('EUR/MWh');
    // 1800 docs at 1/s with the margin: 37.5 min, one hour: the day's cheapest (03:00 CET, 85.02).
    expect(plan?.hours.filter((h) => h.open).map((h) => new Date(h.start).toISOString())).toEqual([
      '2026-12-07T02:00:00.000Z',
    ]);
    const stored = await new PriceStore({ redis }).plan();
    expect(stored).toEqual(plan);
    expect(await redis.pttl(priceKeys.values)).toBeGreaterThan(24 * hourMs);
    // A later round on another replica (after the lease lapses) reads the cache: no new fetch.
    await redis.del(priceKeys.lease);
    clock.t += 10 * 60_000;
    await planning(log, clock, 'w2').round();
    expect(requests).toBe(1);
  });

  it("plans a batch at its model's own measured pace, where GPU accounting has one", async () => {
    const { log } = recordingLog();
    const slow = await planning(log, { t: now }, 'w1', new Map([['m', 0.25]])).round();
    // 1800 documents at 0.25/s with the margin: 2.5 hours, so three hours open, not one.
    expect(slow?.hours.filter((h) => h.open)).toHaveLength(3);
    expect(slow?.throughput).toEqual({ documentsPerS: 1, measured: true, models: { m: 0.25 } });
    await redis.del(priceKeys.lease);
    const other = await planning(log, { t: now }, 'w1', new Map([['another', 0.25]])).round();
    // A pace of another model is not this batch's: it runs at the lane's measured 1/s.
    expect(other?.hours.filter((h) => h.open)).toHaveLength(1);
    expect(other?.throughput).toEqual({ documentsPerS: 1, measured: true });
  });

  it('leaves the round to the replica that holds the lease', async () => {
    const { log } = recordingLog();
    const clock = { t: now };
    expect(await planning(log, clock, 'w1').round()).not.toBeNull();
    expect(await planning(log, clock, 'w2').round()).toBeNull();
    expect(await redis.get(priceKeys.lease)).toBe('w1');
  });

  it('keeps the last good values when a refresh brings a bad body, and says so', async () => {
    const { log, lines } = recordingLog();
    const clock = { t: now };
    await planning(log, clock).round();
    body = '<html>upstream maintenance</html>';
    clock.t += 25 * hourMs;
    const plan = await planning(log, clock).round();
    expect(requests).toBe(2);
    expect(plan?.hours.length).toBeGreaterThan(0);
    const cached = await new PriceStore({ redis }).values();
    expect(cached?.values).toHaveLength(24);
    expect(cached?.lastError).toMatch(/line 1/);
    expect(lines.at(-1)?.level).toBe('warn');
    expect(lines.map((l) => l.message)).toContain(
      'price source not refreshed; keeping the last good values',
    );
  });

  it('plans nothing and logs the refusal when the source is private (no allow setting)', async () => {
    const { log, lines } = recordingLog();
    const refused = new PricePlanning({
      store: new PriceStore({ redis }),
      source: parsePriceSource(`${base}/prices.json`),
      limits: { spec: 'always', windows: parseColdWindows('always') },
      timeZone: 'UTC',
      queued: async () => [],
      throughput: async () => ({ documentsPerS: null }),
      holder: 'w1',
      log,
      now: () => new Date(now),
    });
    expect(await refused.round()).toBeNull();
    expect(requests).toBe(0);
    expect(await redis.get(priceKeys.plan)).toBeNull();
    expect(lines[0]).toMatchObject({ level: 'warn' });
    expect(String(lines[0]?.fields.err)).toMatch(/not a public address/);
  });
});

describe('PriceStore history', () => {
  it('keeps each hour’s value for the accounting, forgets hours older than 8 days', async () => {
    const store = new PriceStore({ redis });
    const now = Date.parse('2026-12-07T12:00:00Z');
    const old = now - 9 * 24 * hourMs;
    await store.saveValues(
      {
        unit: 'EUR/MWh',
        values: [{ start: old, value: 1 }],
        fetchedAt: old,
        source: 'test',
        lastError: null,
        failedAt: null,
      },
      old,
    );
    await store.saveValues(
      {
        unit: 'EUR/MWh',
        values: [
          { start: now - hourMs, value: 80 },
          { start: now, value: 42.5 },
        ],
        fetchedAt: now,
        source: 'test',
        lastError: null,
        failedAt: null,
      },
      now,
    );
    const history = await store.history(now - 10 * 24 * hourMs, now);
    expect([...history.entries()]).toEqual([
      [now - hourMs, { value: 80, unit: 'EUR/MWh' }],
      [now, { value: 42.5, unit: 'EUR/MWh' }],
    ]);
    expect(await redis.hexists(priceKeys.history, String(old))).toBe(0);
  });
});
