import { describe, expect, it } from 'vitest';
import { drillHarness } from '../support/drill-harness.ts';
import type { ServiceProcess } from '../support/service-process.ts';
import { waitFor } from '../support/stack.ts';

// What the apps print while Redis is away: an operator's log pipeline reads one JSON object per
// line, and an outage must not bury everything else. Each app says once that Redis is
// unreachable (a structured warning, repeated at most once a minute while it lasts) and once
// that it is back, instead of a multi-line stack trace per failed reconnection and command.
const drill = drillHarness({ tokenLatencyMs: 1, env: { NIGHTSHIFT_LOG_LEVEL: 'info' } });
const apps = ['api', 'worker', 'notifier', 'scheduler'];

/** The lines an app printed after `from` characters of its output. */
const linesSince = (service: ServiceProcess, from: number) =>
  service
    .output()
    .slice(from)
    .split('\n')
    .filter((line) => line.trim() !== '');

const parsed = (line: string): Record<string, unknown> | undefined => {
  try {
    const value = JSON.parse(line) as unknown;
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
};

describe('logs during a Redis outage', () => {
  it('each app prints a few JSON lines: Redis unreachable, then Redis reconnected, no stack traces', async () => {
    const stack = await drill.boot(apps);
    const marks = new Map(apps.map((name) => [name, stack.service(name).output().length]));
    await drill.redis.kill();
    // Traffic while it is down, as clients keep sending it; the outage lasts about 3 s.
    const requests = Array.from({ length: 10 }, () =>
      fetch(`${stack.base}/v1/batches`, { headers: { authorization: 'Bearer e2e-key' } }).catch(
        () => undefined,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const during = new Map(
      apps.map((name) => [name, linesSince(stack.service(name), marks.get(name) ?? 0)]),
    );
    await drill.redis.start();
    await Promise.all(requests);
    for (const name of apps) {
      const lines = during.get(name) ?? [];
      const notJson = lines.filter((line) => parsed(line) === undefined);
      expect(notJson.slice(0, 5), `${name} printed non-JSON lines`).toEqual([]);
      const down = lines.map(parsed).filter((line) => line?.msg === 'redis unreachable');
      expect(
        down.length,
        `${name}: ${lines.length} lines\n${lines.join('\n')}`,
      ).toBeGreaterThanOrEqual(1);
      expect(down.length, `${name}: ${lines.join('\n')}`).toBeLessThanOrEqual(2);
      // Besides the access log (one line per request), at most a handful of lines in those 3 s.
      const said = lines.filter((line) => parsed(line)?.msg !== 'request');
      expect(said.length, `${name}: ${said.join('\n')}`).toBeLessThanOrEqual(4);
      expect(down[0]).toMatchObject({ level: 40, err: expect.any(String) });
    }
    for (const name of apps) {
      await waitFor(
        async () =>
          linesSince(stack.service(name), marks.get(name) ?? 0)
            .map(parsed)
            .some((line) => line?.msg === 'redis reconnected'),
        20_000,
        `${name} logs redis reconnected`,
      );
    }

    const after = linesSince(stack.service('api'), marks.get('api') ?? 0).map(parsed);
    expect(after.filter((line) => line?.msg === 'redis reconnected')).toHaveLength(1);
    expect(after.find((line) => line?.msg === 'redis reconnected')).toMatchObject({
      level: 30,
      downMs: expect.any(Number),
    });
  }, 90_000);
});
