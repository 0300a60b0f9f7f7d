import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);

/** A Kubernetes object as a manifest holds it, before any typing. */
export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** An object and where it came from (a file, or an overlay's rendering). */
export interface LocatedObject {
  origin: string;
  object: ManifestObject;
}

/**
 * The typed models of every kind the manifests use; each validates against the Kubernetes
 * (or KEDA, or Prometheus Operator) schema. A kind missing here fails the test rather than passing unchecked.
 */
const models: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
};

/** Throws, naming the object and the schema's complaint, unless the object is valid. */
export function validateObject({ origin, object }: LocatedObject): void {
  const Model = models[`${object.apiVersion}/${object.kind}`];
  if (!Model) throw new Error(`${origin}: no schema for ${object.apiVersion} ${object.kind}`);
  try {
    new Model(object as never).validate();
  } catch (error) {
    throw new Error(`${origin}: ${object.kind}/${object.metadata?.name}: ${String(error)}`);
  }
}

/** Every YAML file under `dir`, recursively, sorted. */
export function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return yamlFiles(path);
      return /\.ya?ml$/.test(name) ? [path] : [];
    });
}

/** The documents of a multi-document YAML text, with YAML syntax errors thrown. */
export function parseDocuments(text: string, origin: string): ManifestObject[] {
  return parseAllDocuments(text).flatMap((document) => {
    if (document.errors.length > 0) throw new Error(`${origin}: ${document.errors[0]?.message}`);
    const value = document.toJS() as ManifestObject | null;
    return value ? [value] : [];
  });
}

/** The Kubernetes objects of the files under `dir` (Kustomize's own files left out). */
export function manifestObjects(root: string, dir: string): LocatedObject[] {
  return yamlFiles(dir)
    .filter((path) => !/kustomization\.ya?ml$/.test(path))
    .flatMap((path) => {
      const origin = relative(root, path);
      return parseDocuments(readFileSync(path, 'utf8'), origin).map((object) => ({
        origin,
        object,
      }));
    });
}

/** Whether `kubectl` runs here (the render checks need it). */
export async function hasKubectl(): Promise<boolean> {
  try {
    await run('kubectl', ['version', '--client'], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** `kubectl kustomize <dir>`: the overlay's objects as a cluster would receive them. */
export async function renderKustomization(root: string, dir: string): Promise<LocatedObject[]> {
  const { stdout } = await run('kubectl', ['kustomize', dir], {
    timeout: 30_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const origin = `kubectl kustomize ${relative(root, dir)}`;
  return parseDocuments(stdout, origin).map((object) => ({ origin, object }));
}

/** A container of a pod template, as far as these checks read it. */
export interface ContainerSpec {
  name: string;
  image?: string;
  command?: string[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string } };
  }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  lifecycle?: { preStop?: { exec?: { command?: string[] }; sleep?: { seconds: number } } };
  livenessProbe?: { httpGet?: { path: string } };
  readinessProbe?: { httpGet?: { path: string } };
}

/** The pod spec of a Deployment or StatefulSet. */
export interface PodSpec {
  containers: ContainerSpec[];
  initContainers?: ContainerSpec[];
  terminationGracePeriodSeconds?: number;
  nodeSelector?: Record<string, string>;
  tolerations?: { key?: string; operator?: string; effect?: string }[];
}

/** The pod spec of a workload object; undefined for other kinds. */
export function podSpec(object: ManifestObject): PodSpec | undefined {
  if (object.kind !== 'Deployment' && object.kind !== 'StatefulSet') return undefined;
  return (object.spec as { template: { spec: PodSpec } }).template.spec;
}

/** The app a container runs when it is a Nightshift one: `node apps/<app>/dist/main.js`. */
export function nightshiftApp(container: ContainerSpec): string | undefined {
  const [binary, file] = container.command ?? [];
  if (binary !== 'node' || !file) return undefined;
  return /^apps\/([\w-]+)\/dist\/main\.js$/.exec(file)?.[1];
}

/** Seconds a container's preStop hook waits (`sleep N` or the sleep action); 0 without one. */
export function preStopSeconds(container: ContainerSpec): number {
  const preStop = container.lifecycle?.preStop;
  if (preStop?.sleep) return preStop.sleep.seconds;
  const [binary, seconds] = preStop?.exec?.command ?? [];
  return binary === 'sleep' ? Number(seconds) : 0;
}

/**
 * The environment variable names an object hands to Nightshift containers: a ConfigMap's or
 * Secret's keys (they reach the apps through `envFrom`) and each Nightshift container's `env`.
 */
export function environmentNames(object: ManifestObject): string[] {
  if (object.kind === 'ConfigMap' || object.kind === 'Secret') {
    return [
      ...Object.keys((object.data as object | undefined) ?? {}),
      ...Object.keys((object.stringData as object | undefined) ?? {}),
    ];
  }
  return (podSpec(object)?.containers ?? [])
    .filter((container) => nightshiftApp(container) !== undefined)
    .flatMap((container) => (container.env ?? []).map((variable) => variable.name));
}

/** Keys of the `literals` of a kustomization's ConfigMap and Secret generators. */
export function generatedEnvironmentNames(kustomizationText: string): string[] {
  const [kustomization] = parseDocuments(kustomizationText, 'kustomization') as unknown as {
    configMapGenerator?: { literals?: string[] }[];
    secretGenerator?: { literals?: string[] }[];
  }[];
  const generators = [
    ...(kustomization?.configMapGenerator ?? []),
    ...(kustomization?.secretGenerator ?? []),
  ];
  return generators.flatMap((g) =>
    (g.literals ?? []).map((literal) => literal.split('=')[0] ?? ''),
  );
}
