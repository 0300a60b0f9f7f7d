import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { nightshiftMetrics, queueDepthMetricName } from '@nightshift/metrics';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const monitoring = join(root, 'deploy/monitoring');

const hasPromtool = await run('promtool', ['--version'], { timeout: 10_000 }).then(
  () => true,
  () => false,
);
if (!hasPromtool)
  console.warn('promtool is not installed: the rule checks are skipped (.ci/run installs it)');

/** Every series name `/metrics` answers with; histograms as their `_bucket`, `_sum`, `_count`. */
const exportedSeries = new Set<string>([
  queueDepthMetricName,
  ...Object.values(nightshiftMetrics).flatMap((definition) =>
    definition.type === 'histogram'
      ? ['_bucket', '_sum', '_count'].map((suffix) => `${definition.name}${suffix}`)
      : [definition.name],
  ),
]);

/** The `nightshift_…` series an expression names (recording rules, `nightshift:…`, excluded). */
const seriesIn = (expr: string) => expr.match(/\bnightshift_[a-z0-9_]+/g) ?? [];

interface DashboardPanel {
  title: string;
  type: string;
  targets?: { expr: string }[];
  panels?: DashboardPanel[];
}
const dashboard = JSON.parse(readFileSync(join(monitoring, 'grafana-dashboard.json'), 'utf8')) as {
  uid: string;
  panels: DashboardPanel[];
};
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const dashboardExprs = panels.flatMap((p) =>
  (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
);

interface RuleFile {
  groups: { name: string; rules: { alert?: string; record?: string; expr: string }[] }[];
}
const rules = parse(readFileSync(join(monitoring, 'alerts.yml'), 'utf8')) as RuleFile;
const ruleExprs = rules.groups.flatMap((g) => g.rules);

describe('Grafana dashboard (deploy/monitoring/grafana-dashboard.json)', () => {
  it('queries only series that /metrics exports', () => {
    expect(dashboardExprs.length).toBeGreaterThan(10);
    for (const { panel, expr } of dashboardExprs) {
      const named = seriesIn(expr);
      expect(named.length, panel).toBeGreaterThan(0);
      expect(
        named.filter((name) => !exportedSeries.has(name)),
        panel,
      ).toEqual([]);
    }
    expect(seriesIn('rate(nightshift_jobs_done_total[5m])')).toEqual([
      'nightshift_jobs_done_total',
    ]);
    expect(exportedSeries.has('nightshift_jobs_done_total')).toBe(false);
  });

  it('shows every metric that /metrics exports on some panel', () => {
    const shown = new Set(dashboardExprs.flatMap(({ expr }) => seriesIn(expr)));
    const metricNames = [
      queueDepthMetricName,
      ...Object.values(nightshiftMetrics).map((d) => d.name),
    ];
    const missing = metricNames.filter(
      (name) => ![...shown].some((series) => series === name || series.startsWith(`${name}_`)),
    );
    expect(missing).toEqual([]);
  });

  it.skipIf(!hasPromtool)(
    'every panel query is valid PromQL, as promtool parses it (skipped where promtool is not installed)',
    async () => {
      // promtool parses a rule file's expressions: each panel query becomes a recording rule.
      const file = {
        groups: [
          {
            name: 'dashboard',
            rules: dashboardExprs.map(({ expr }, i) => ({ record: `dashboard:query_${i}`, expr })),
          },
        ],
      };
      const dir = await mkdtemp(join(tmpdir(), 'nightshift-dashboard-'));
      try {
        await writeFile(join(dir, 'dashboard-rules.yml'), stringify(file));
        const { stdout } = await run('promtool', [
          'check',
          'rules',
          join(dir, 'dashboard-rules.yml'),
        ]);
        expect(stdout).toContain(`SUCCESS: ${dashboardExprs.length} rules found`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});

describe('Prometheus rules (deploy/monitoring/alerts.yml)', () => {
  it('alert on each condition operators asked for', () => {
    const alerts = ruleExprs.flatMap((r) => r.alert ?? []);
    expect(alerts).toEqual(
      expect.arrayContaining([
        'NightshiftColdBacklogOutlivedWindow',
        'NightshiftWebhookDeadLetters',
        'NightshiftVramOverThreshold',
        'NightshiftNoWorkerForModel',
        'NightshiftHotLane503Rate',
        'NightshiftBatchWillMissWindow',
      ]),
    );
  });

  it('read only series that /metrics exports', () => {
    for (const rule of ruleExprs) {
      expect(
        seriesIn(rule.expr).filter((name) => !exportedSeries.has(name)),
        rule.alert ?? rule.record,
      ).toEqual([]);
    }
  });

  it.skipIf(!hasPromtool)(
    'pass promtool check rules and the unit tests of alerts.test.yml (skipped where promtool is not installed)',
    async () => {
      const check = await run('promtool', ['check', 'rules', 'alerts.yml'], { cwd: monitoring });
      expect(check.stdout).toContain('SUCCESS');
      // promtool exits non-zero when a case fails, which rejects here with its report.
      const tests = await run('promtool', ['test', 'rules', 'alerts.test.yml'], {
        cwd: monitoring,
        timeout: 60_000,
      });
      expect(tests.stdout).toContain('SUCCESS');
      expect(tests.stdout).not.toContain('FAILED');
    },
  );
});

describe('the Prometheus scrape job (deploy/monitoring/prometheus-scrape.yml)', () => {
  interface ScrapeConfig {
    job_name: string;
    metrics_path?: string;
    authorization?: { type?: string; credentials?: string; credentials_file?: string };
    static_configs?: { targets: string[] }[];
  }
  const file = join(monitoring, 'prometheus-scrape.yml');
  const scrape = parse(readFileSync(file, 'utf8')) as { scrape_configs: ScrapeConfig[] };

  it('scrapes /metrics with the bearer token from a file, never a token written in the config', () => {
    const [job] = scrape.scrape_configs;
    expect(scrape.scrape_configs).toHaveLength(1);
    expect(job?.metrics_path).toBe('/metrics');
    expect(job?.authorization?.type).toBe('Bearer');
    expect(job?.authorization?.credentials).toBeUndefined();
    expect(job?.authorization?.credentials_file).toMatch(/^\//);
  });

  it.skipIf(!hasPromtool)(
    'passes promtool check config (skipped where promtool is not installed)',
    async () => {
      // The token file must exist for the check: a copy of the job points at a throwaway one.
      const dir = await mkdtemp(join(tmpdir(), 'nightshift-scrape-'));
      try {
        await writeFile(join(dir, 'token'), 'a-metrics-token-for-the-check', { mode: 0o600 });
        const [job] = scrape.scrape_configs;
        const copy = {
          scrape_configs: [
            { ...job, authorization: { ...job?.authorization, credentials_file: 'token' } },
          ],
        };
        await writeFile(join(dir, 'prometheus.yml'), stringify(copy));
        const check = await run('promtool', ['check', 'config', 'prometheus.yml'], { cwd: dir });
        expect(`${check.stdout}${check.stderr}`).toContain('SUCCESS');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
