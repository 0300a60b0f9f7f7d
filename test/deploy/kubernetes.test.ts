import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configVariables } from '@nightshift/core';
import { nightshiftMetrics, queueDepthMetricName } from '@nightshift/metrics';
import { defaultDrainTimeoutMs } from '@nightshift/process';
import { describe, expect, it } from 'vitest';
import { deployedApps, sourceOfBuiltFile } from './entry-points.ts';
import {
  type ContainerSpec,
  environmentNames,
  generatedEnvironmentNames,
  hasKubectl,
  type LocatedObject,
  type ManifestObject,
  manifestObjects,
  nightshiftApp,
  podSpec,
  preStopSeconds,
  renderKustomization,
  validateObject,
} from './kubernetes-manifests.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const kubernetesDir = join(root, 'deploy/kubernetes');
const overlays = readdirSync(join(kubernetesDir, 'overlays')).sort();
const kubectl = await hasKubectl();
if (!kubectl)
  console.warn('kubectl is not installed: rendering the overlays is skipped (the rest still runs)');

/** Variables the manifests may set that Node reads itself, not Nightshift's configuration. */
const nodeOwnVariables = ['NODE_OPTIONS'];
/** Seconds between the end of a drain and the grace period's SIGKILL: the process exits first. */
const exitMarginS = 5;

const exportedSeries = new Set<string>([
  queueDepthMetricName,
  ...Object.values(nightshiftMetrics).map((definition) => definition.name),
]);

const find = (objects: LocatedObject[], kind: string, name: string): ManifestObject => {
  const found = objects.find((o) => o.object.kind === kind && o.object.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name}`);
  return found.object;
};

const allContainers = (object: ManifestObject): ContainerSpec[] => {
  const spec = podSpec(object);
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
};

/** The Secret and key the API container reads `NIGHTSHIFT_METRICS_TOKEN` from. */
const metricsTokenSource = (objects: LocatedObject[]) => {
  const api = find(objects, 'Deployment', 'api');
  const container = podSpec(api)?.containers.find((c) => nightshiftApp(c) === 'api');
  return container?.env?.find((v) => v.name === 'NIGHTSHIFT_METRICS_TOKEN')?.valueFrom
    ?.secretKeyRef;
};

/** What a ServiceMonitor's endpoints scrape, and with which credentials. */
interface ServiceMonitorSpec {
  selector: { matchLabels: Record<string, string> };
  endpoints: {
    port: string;
    path?: string;
    authorization?: { type?: string; credentials?: { name: string; key: string } };
  }[];
}

const outsideContract = (names: string[]) =>
  [...new Set(names)].filter(
    (name) => !configVariables.includes(name) && !nodeOwnVariables.includes(name),
  );

/** The checks every set of objects must pass, as files or as an overlay's rendering. */
function checkObjects(objects: LocatedObject[]) {
  for (const located of objects) validateObject(located);
  expect(outsideContract(objects.flatMap(({ object }) => environmentNames(object)))).toEqual([]);
  for (const { object } of objects) {
    const spec = podSpec(object);
    for (const container of spec?.containers ?? []) {
      if (!nightshiftApp(container)) continue;
      const drainDelayMs = Number(
        container.env?.find((v) => v.name === 'NIGHTSHIFT_API_DRAIN_DELAY_MS')?.value ?? 0,
      );
      const drainS = preStopSeconds(container) + (drainDelayMs + defaultDrainTimeoutMs) / 1000;
      // The kubelet's SIGKILL must come after the app's own drain has ended the process.
      expect(spec?.terminationGracePeriodSeconds, object.metadata.name).toBeGreaterThanOrEqual(
        drainS + exitMarginS,
      );
    }
  }
}

describe('Kubernetes manifests (deploy/kubernetes)', () => {
  const objects = manifestObjects(root, kubernetesDir);
  const base = objects.filter((o) => o.origin.startsWith('deploy/kubernetes/base/'));

  it('validates every object of every manifest file against the Kubernetes and KEDA schemas', () => {
    expect(objects.length).toBeGreaterThanOrEqual(12);
    checkObjects(objects);
  });

  it('the schema check refuses an object that breaks the Kubernetes schema', () => {
    const api = find(base, 'Deployment', 'api');
    const broken = { ...api, spec: { ...(api.spec as object), replicas: 'two' } };
    expect(() => validateObject({ origin: 'test', object: broken })).toThrow(/replicas/);
    const unknownKind = { ...api, kind: 'Deploymnet' };
    expect(() => validateObject({ origin: 'test', object: unknownKind })).toThrow(/no schema/);
  });

  it('sets only variables of the configuration contract, in manifests and overlay generators', () => {
    const generated = overlays.flatMap((overlay) =>
      generatedEnvironmentNames(
        readFileSync(join(kubernetesDir, 'overlays', overlay, 'kustomization.yaml'), 'utf8'),
      ),
    );
    const names = [...objects.flatMap(({ object }) => environmentNames(object)), ...generated];
    expect(names).toEqual(expect.arrayContaining(['REDIS_URL', 'NIGHTSHIFT_GPU_PROBE']));
    expect(outsideContract(names)).toEqual([]);
    expect(outsideContract(['NIGHTSHIFT_NOT_A_VARIABLE'])).toEqual(['NIGHTSHIFT_NOT_A_VARIABLE']);
  });

  it('runs every deployed app with plain node on the JavaScript that the build emits', () => {
    const apps = base
      .flatMap(({ object }) => podSpec(object)?.containers ?? [])
      .flatMap((container) => nightshiftApp(container) ?? []);
    expect(apps.sort()).toEqual([...deployedApps].sort());
    for (const app of apps) {
      expect(sourceOfBuiltFile(root, `apps/${app}/dist/main.js`)).toBe(`apps/${app}/src/main.ts`);
    }
  });

  it('probes the API on /healthz and /readyz, drains it behind a preStop, and scales it with an HPA', () => {
    const api = find(base, 'Deployment', 'api');
    const [container] = podSpec(api)?.containers ?? [];
    expect(container?.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(container?.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(preStopSeconds(container as ContainerSpec)).toBeGreaterThan(0);
    const hpa = find(base, 'HorizontalPodAutoscaler', 'api').spec as {
      scaleTargetRef: { kind: string; name: string };
    };
    expect(hpa.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'api' });
    const service = find(base, 'Service', 'api').spec as { selector: Record<string, string> };
    const labels = (api.spec as { template: { metadata: { labels: Record<string, string> } } })
      .template.metadata.labels;
    expect(labels).toMatchObject(service.selector);
  });

  it('runs one worker per GPU, on GPU nodes, watching the GPU its pod holds', () => {
    const worker = find(base, 'StatefulSet', 'worker');
    const spec = podSpec(worker);
    const holders = allContainers(worker).filter((c) => c.resources?.limits?.['nvidia.com/gpu']);
    expect(holders.map((c) => c.resources?.limits?.['nvidia.com/gpu'])).toEqual([1]);
    expect(holders[0]?.resources?.requests?.['nvidia.com/gpu']).toBe(1);
    expect(Object.keys(spec?.nodeSelector ?? {}).some((k) => k.startsWith('nvidia.com/'))).toBe(
      true,
    );
    expect(spec?.tolerations).toContainEqual(expect.objectContaining({ key: 'nvidia.com/gpu' }));
    const app = spec?.containers.find((c) => nightshiftApp(c) === 'worker');
    const env = Object.fromEntries((app?.env ?? []).map((v) => [v.name, v.value]));
    expect(env.NIGHTSHIFT_GPU_PROBE).toBe('ollama');
    expect(Number(env.NIGHTSHIFT_GPU_MEMORY_MIB)).toBeGreaterThan(0);
  });

  it('keeps the in-cluster Redis durable: AOF, noeviction, a PersistentVolumeClaim', () => {
    const redis = find(base, 'StatefulSet', 'redis');
    const args = allContainers(redis)[0]?.command ?? [];
    const argv = [...args, ...((allContainers(redis)[0] as { args?: string[] }).args ?? [])];
    expect(argv.join(' ')).toContain('--appendonly yes');
    expect(argv.join(' ')).toContain('--maxmemory-policy noeviction');
    const claims = (redis.spec as { volumeClaimTemplates?: { metadata: { name: string } }[] })
      .volumeClaimTemplates;
    expect(claims?.map((c) => c.metadata.name)).toEqual(['data']);
  });

  it('has a KEDA ScaledObject that scales the workers on the cold lane depth that /metrics exports', () => {
    const scaled = objects.find((o) => o.object.kind === 'ScaledObject');
    const spec = scaled?.object.spec as {
      scaleTargetRef: { kind: string; name: string };
      triggers: { type: string; metadata: { query: string } }[];
    };
    expect(spec.scaleTargetRef).toMatchObject({ kind: 'StatefulSet', name: 'worker' });
    const query = spec.triggers[0]?.metadata.query ?? '';
    expect(query).toContain(`${queueDepthMetricName}{lane="cold"`);
    const series = query.match(/nightshift_[a-z_]+/g) ?? [];
    expect(series.filter((name) => !exportedSeries.has(name))).toEqual([]);
  });
});

describe('who scrapes /metrics (deploy/kubernetes)', () => {
  const objects = manifestObjects(root, kubernetesDir);
  const base = objects.filter((o) => o.origin.startsWith('deploy/kubernetes/base/'));

  it('gives the API its metrics token from a Secret of its own, never a literal or the API keys Secret', () => {
    const api = find(base, 'Deployment', 'api');
    const container = podSpec(api)?.containers.find((c) => nightshiftApp(c) === 'api');
    const variable = container?.env?.find((v) => v.name === 'NIGHTSHIFT_METRICS_TOKEN');
    expect(variable?.value).toBeUndefined();
    expect(metricsTokenSource(base)).toEqual({
      name: 'nightshift-metrics',
      key: 'NIGHTSHIFT_METRICS_TOKEN',
    });
  });

  it('scrapes the API with a ServiceMonitor whose bearer token is the one the API checks', () => {
    const monitor = find(objects, 'ServiceMonitor', 'api').spec as ServiceMonitorSpec;
    const service = find(base, 'Service', 'api').spec as {
      selector: Record<string, string>;
      ports: { name: string }[];
    };
    const serviceLabels = find(base, 'Service', 'api').metadata.labels as Record<string, string>;
    expect(serviceLabels).toMatchObject(monitor.selector.matchLabels);
    expect(monitor.endpoints).toHaveLength(1);
    const [endpoint] = monitor.endpoints;
    expect(service.ports.map((p) => p.name)).toContain(endpoint?.port);
    expect(endpoint?.path).toBe('/metrics');
    expect(endpoint?.authorization).toEqual({
      type: 'Bearer',
      credentials: metricsTokenSource(base),
    });
  });
});

describe('Kubernetes overlays rendered by kubectl kustomize', () => {
  it.skipIf(!kubectl).each(overlays)(
    'renders %s, and every rendered object passes the schema, contract and drain checks (skipped where kubectl is not installed)',
    async (overlay) => {
      const rendered = await renderKustomization(root, join(kubernetesDir, 'overlays', overlay));
      checkObjects(rendered);
      const kinds = rendered.map(({ object }) => `${object.kind}/${object.metadata.name}`);
      expect(kinds).toEqual(
        expect.arrayContaining(['Deployment/api', 'StatefulSet/worker', 'Deployment/notifier']),
      );
    },
  );

  it.skipIf(!kubectl)(
    'production drops the in-cluster Redis and adds KEDA; dev generates its secrets (skipped where kubectl is not installed)',
    async () => {
      const production = await renderKustomization(
        root,
        join(kubernetesDir, 'overlays/production'),
      );
      const kinds = production.map(({ object }) => `${object.kind}/${object.metadata.name}`);
      expect(kinds).not.toContain('StatefulSet/redis');
      expect(kinds).toContain('ScaledObject/worker');
      const dev = await renderKustomization(root, join(kubernetesDir, 'overlays/dev'));
      const secretNamed = (prefix: string) =>
        dev.find(
          ({ object }) => object.kind === 'Secret' && object.metadata.name.startsWith(prefix),
        )?.object;
      const secret = secretNamed('nightshift-secrets');
      expect(Object.keys((secret?.data as object) ?? {})).toContain('NIGHTSHIFT_API_KEYS');
      // The generated metrics Secret (hash-suffixed) is the one the API reads its token from.
      const metrics = secretNamed('nightshift-metrics');
      expect(Object.keys((metrics?.data as object) ?? {})).toEqual(['NIGHTSHIFT_METRICS_TOKEN']);
      expect(metricsTokenSource(dev)).toEqual({
        name: metrics?.metadata.name,
        key: 'NIGHTSHIFT_METRICS_TOKEN',
      });
      // Production scrapes with the token of the Secret its API reads (created outside).
      const monitor = find(production, 'ServiceMonitor', 'api').spec as ServiceMonitorSpec;
      expect(monitor.endpoints[0]?.authorization?.credentials).toEqual(
        metricsTokenSource(production),
      );
    },
  );
});
