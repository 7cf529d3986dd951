import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScaledObject, TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, PersistentVolumeClaim, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { type K8sObject, type Rendered, renderKustomization } from './support/kustomize.ts';
import { projectVersion, ROOT, readRepoFile } from './support/paths.ts';

/**
 * infra/k8s, rendered per overlay (as `kubectl apply -k` would) and checked without a cluster: every object
 * against the Kubernetes / KEDA JSON schemas (kubernetes-models), then the deployment's own rules.
 */

const OVERLAYS = readdirSync(join(ROOT, 'infra/k8s/overlays'));
const render = (overlay: string) => renderKustomization(join(ROOT, 'infra/k8s/overlays', overlay));

interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
    privileged?: boolean;
  };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  volumes?: { name: string; persistentVolumeClaim?: { claimName: string }; hostPath?: unknown }[];
  hostNetwork?: boolean;
  hostPID?: boolean;
}
interface Workload extends K8sObject {
  spec: {
    selector?: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
}

const VALIDATORS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  'keda.sh/v1alpha1/TriggerAuthentication': TriggerAuthentication,
};

const ofKind = <T extends K8sObject = K8sObject>(objects: Rendered[], kind: string) =>
  objects.filter((r) => r.object.kind === kind).map((r) => r.object as T);
const named = <T extends K8sObject = K8sObject>(objects: Rendered[], kind: string, name: string) =>
  ofKind<T>(objects, kind).find((o) => o.metadata.name === name);
const containersOf = (w: Workload) => [
  ...(w.spec.template.spec.initContainers ?? []),
  ...w.spec.template.spec.containers,
];
const workloads = (objects: Rendered[]) => [
  ...ofKind<Workload>(objects, 'Deployment'),
  ...ofKind<Workload>(objects, 'Job'),
];
const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/** The SIGTERM bound the workers get from the ConfigMap, in seconds. */
function shutdownBoundSeconds(objects: Rendered[]): number {
  const config = named<K8sObject & { data: Record<string, string> }>(objects, 'ConfigMap', 'distillery-config');
  return Number(config?.data.DISTILLERY_SHUTDOWN_TIMEOUT_MS) / 1000;
}

describe('Kubernetes manifests', () => {
  it('has a CPU and a GPU overlay', () => {
    expect(OVERLAYS.sort()).toEqual(['cpu', 'gpu']);
  });

  describe.each(OVERLAYS)('overlay %s', (overlay) => {
    const objects = render(overlay);

    it('renders only kinds it knows, each valid against its Kubernetes or KEDA schema', () => {
      for (const { object, source } of objects) {
        const Model = VALIDATORS[`${object.apiVersion}/${object.kind}`];
        expect(Model, `${source}: ${object.apiVersion} ${object.kind}`).toBeDefined();
        expect(
          () => new (Model as new (data: K8sObject) => { validate(): void })(object).validate(),
          source,
        ).not.toThrow();
      }
    });

    it('puts everything but the Namespace in the distillery namespace, with unique names', () => {
      const ids = objects.map(({ object: o }) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`);
      expect(new Set(ids).size).toBe(ids.length);
      for (const { object } of objects) {
        expect(object.metadata.namespace, object.kind).toBe(object.kind === 'Namespace' ? undefined : 'distillery');
      }
      expect(named(objects, 'Namespace', 'distillery')).toBeDefined();
    });

    it('gives every container, init containers included, CPU and memory requests and limits', () => {
      for (const workload of workloads(objects)) {
        for (const c of containersOf(workload)) {
          const where = `${workload.metadata.name}/${c.name}`;
          expect(c.resources?.requests?.cpu, where).toBeDefined();
          expect(c.resources?.requests?.memory, where).toBeDefined();
          expect(c.resources?.limits?.cpu, where).toBeDefined();
          expect(c.resources?.limits?.memory, where).toBeDefined();
        }
      }
    });

    it('meets the restricted Pod Security Standard its namespace enforces', () => {
      const ns = named(objects, 'Namespace', 'distillery');
      expect(ns?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
      for (const workload of workloads(objects)) {
        const pod = workload.spec.template.spec;
        expect(pod.securityContext?.runAsNonRoot, workload.metadata.name).toBe(true);
        expect(pod.securityContext?.runAsUser, workload.metadata.name).toBeGreaterThan(0);
        expect(pod.securityContext?.seccompProfile?.type, workload.metadata.name).toBe('RuntimeDefault');
        expect(pod.hostNetwork || pod.hostPID, workload.metadata.name).toBeFalsy();
        expect(
          pod.volumes?.some((v) => v.hostPath),
          workload.metadata.name,
        ).toBeFalsy();
        for (const c of containersOf(workload)) {
          const where = `${workload.metadata.name}/${c.name}`;
          expect(c.securityContext?.allowPrivilegeEscalation, where).toBe(false);
          expect(c.securityContext?.capabilities?.drop, where).toEqual(['ALL']);
          expect(c.securityContext?.capabilities?.add, where).toBeUndefined();
          expect(c.securityContext?.privileged, where).toBeFalsy();
          expect(c.securityContext?.readOnlyRootFilesystem, where).toBe(true);
          // Read-only root: tsx's compile cache (and CUDA's kernel cache) need a writable /tmp.
          expect(
            c.volumeMounts?.some((m) => m.mountPath === '/tmp'),
            where,
          ).toBe(true);
        }
      }
    });

    it('probes the API: ready on /readyz, alive on /healthz, on its own HTTP port', () => {
      const api = named<Workload>(objects, 'Deployment', 'distillery-api') as Workload;
      const container = api.spec.template.spec.containers.find((c) => c.name === 'api') as Container;
      expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
      expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
      const portNames = (container.ports ?? []).map((p) => p.name);
      expect(portNames).toContain(container.readinessProbe?.httpGet?.port);
      expect(portNames).toContain(container.livenessProbe?.httpGet?.port);
      const port = container.ports?.find((p) => p.name === 'http')?.containerPort;
      expect(container.args).toEqual(['serve', '--host', '0.0.0.0', '--port', String(port)]);
    });

    it('routes the API Service to the API pods’ named port', () => {
      const service = named<
        K8sObject & { spec: { selector: Record<string, string>; ports: { targetPort: string }[] } }
      >(objects, 'Service', 'distillery-api');
      const api = named<Workload>(objects, 'Deployment', 'distillery-api') as Workload;
      expect(selects(service?.spec.selector ?? {}, api.spec.template.metadata.labels)).toBe(true);
      expect(service?.spec.ports.map((p) => p.targetPort)).toEqual(['http']);
    });

    it('migrates before the API serves: a migration Job, and an init container that waits for it', () => {
      const job = named<Workload>(objects, 'Job', 'distillery-migrate') as Workload;
      expect(job.spec.template.spec.containers.map((c) => c.args)).toEqual([['migrate']]);
      const api = named<Workload>(objects, 'Deployment', 'distillery-api') as Workload;
      expect(api.spec.template.spec.initContainers?.map((c) => c.args)).toEqual([['migrate']]);
      // The migrator serialises concurrent runs with an advisory lock: the init container waits for the Job.
      expect(readRepoFile('packages/db/src/migrate/migration-lock.ts')).toContain('pg_advisory_lock');
    });

    it('has PodDisruptionBudgets that each select exactly one Deployment, and one for every Deployment', () => {
      const deployments = ofKind<Workload>(objects, 'Deployment');
      const pdbs = ofKind<K8sObject & { spec: { selector: { matchLabels: Record<string, string> } } }>(
        objects,
        'PodDisruptionBudget',
      );
      const covered = new Set<string>();
      for (const pdb of pdbs) {
        const matches = deployments.filter((d) =>
          selects(pdb.spec.selector.matchLabels, d.spec.template.metadata.labels),
        );
        expect(
          matches.map((d) => d.metadata.name),
          pdb.metadata.name,
        ).toHaveLength(1);
        covered.add(matches[0]?.metadata.name as string);
      }
      expect([...covered].sort()).toEqual(deployments.map((d) => d.metadata.name).sort());
    });

    it('selects each Deployment’s own pods', () => {
      for (const d of ofKind<Workload>(objects, 'Deployment')) {
        expect(selects(d.spec.selector?.matchLabels ?? {}, d.spec.template.metadata.labels), d.metadata.name).toBe(
          true,
        );
      }
    });

    it('gives workers a termination grace period above their SIGTERM checkpoint-and-release bound', () => {
      const bound = shutdownBoundSeconds(objects);
      expect(bound).toBeGreaterThan(0);
      const workers = ofKind<Workload>(objects, 'Deployment').filter((d) => d.metadata.name.includes('worker'));
      expect(workers.length).toBe(1);
      for (const w of workers) {
        expect(w.spec.template.spec.terminationGracePeriodSeconds, w.metadata.name).toBeGreaterThanOrEqual(bound + 15);
        const c = w.spec.template.spec.containers[0] as Container;
        expect(
          c.envFrom?.map((e) => e.configMapRef?.name),
          w.metadata.name,
        ).toContain('distillery-config');
      }
    });

    it('autoscales the workers with a KEDA ScaledObject on an existing Deployment and credentials', () => {
      const scaled = ofKind<K8sObject & { spec: Record<string, never> }>(objects, 'ScaledObject');
      expect(scaled).toHaveLength(1);
      for (const so of scaled) {
        const spec = so.spec as unknown as {
          scaleTargetRef: { name: string };
          minReplicaCount: number;
          maxReplicaCount: number;
          triggers: { type: string; metadata: Record<string, string>; authenticationRef: { name: string } }[];
        };
        expect(named(objects, 'Deployment', spec.scaleTargetRef.name), spec.scaleTargetRef.name).toBeDefined();
        expect(spec.maxReplicaCount).toBeGreaterThan(spec.minReplicaCount);
        for (const trigger of spec.triggers) {
          expect(trigger.type).toBe('postgresql');
          // The query itself runs against a migrated database in queue-depth.test.ts.
          expect(trigger.metadata.query).toMatch(/FROM runs\b/);
          const auth = named<
            K8sObject & { spec: { secretTargetRef: { parameter: string; name: string; key: string }[] } }
          >(objects, 'TriggerAuthentication', trigger.authenticationRef.name);
          expect(auth?.spec.secretTargetRef.map((r) => r.parameter)).toEqual(['connection']);
          for (const ref of auth?.spec.secretTargetRef ?? []) {
            const secret = named<K8sObject & { data: Record<string, string> }>(objects, 'Secret', ref.name);
            expect(Object.keys(secret?.data ?? {}), `${ref.name}.${ref.key}`).toContain(ref.key);
          }
        }
      }
    });

    it('refers only to Secrets, ConfigMaps and volume claims it defines', () => {
      for (const w of workloads(objects)) {
        for (const c of containersOf(w)) {
          for (const e of c.env ?? []) {
            const ref = e.valueFrom?.secretKeyRef;
            if (!ref) continue;
            const secret = named<K8sObject & { data: Record<string, string> }>(objects, 'Secret', ref.name);
            expect(Object.keys(secret?.data ?? {}), `${w.metadata.name}/${c.name}: ${ref.name}.${ref.key}`).toContain(
              ref.key,
            );
          }
          for (const e of c.envFrom ?? []) {
            if (e.configMapRef)
              expect(named(objects, 'ConfigMap', e.configMapRef.name), e.configMapRef.name).toBeDefined();
            if (e.secretRef) expect(named(objects, 'Secret', e.secretRef.name), e.secretRef.name).toBeDefined();
          }
        }
        for (const v of w.spec.template.spec.volumes ?? []) {
          if (!v.persistentVolumeClaim) continue;
          const claim = v.persistentVolumeClaim.claimName;
          expect(named(objects, 'PersistentVolumeClaim', claim), claim).toBeDefined();
        }
      }
    });

    it('mounts the shared checkpoint volume where DISTILLERY_ARTIFACT_DIR points, in every worker', () => {
      const config = named<K8sObject & { data: Record<string, string> }>(objects, 'ConfigMap', 'distillery-config');
      const dir = config?.data.DISTILLERY_ARTIFACT_DIR;
      const pvc = named<K8sObject & { spec: { accessModes: string[] } }>(
        objects,
        'PersistentVolumeClaim',
        'distillery-artifacts',
      );
      expect(pvc?.spec.accessModes).toEqual(['ReadWriteMany']);
      for (const w of ofKind<Workload>(objects, 'Deployment').filter((d) => d.metadata.name.includes('worker'))) {
        const volume = w.spec.template.spec.volumes?.find(
          (v) => v.persistentVolumeClaim?.claimName === 'distillery-artifacts',
        );
        const mount = w.spec.template.spec.containers[0]?.volumeMounts?.find((m) => m.name === volume?.name);
        expect(mount?.mountPath, w.metadata.name).toBe(dir);
      }
    });

    it('runs the images of this version', () => {
      for (const w of workloads(objects)) {
        for (const c of containersOf(w)) {
          expect(c.image, `${w.metadata.name}/${c.name}`).toMatch(
            new RegExp(`^distillery(-gpu)?:${projectVersion().replaceAll('.', '\\.')}$`),
          );
        }
      }
    });
  });

  it('requests a GPU for every GPU worker, and none for CPU workers', () => {
    const gpu = named<Workload>(render('gpu'), 'Deployment', 'distillery-worker-gpu') as Workload;
    const worker = gpu.spec.template.spec.containers[0] as Container;
    expect(worker.resources?.requests?.['nvidia.com/gpu']).toBe(1);
    expect(worker.resources?.limits?.['nvidia.com/gpu']).toBe(1);
    expect(worker.image).toMatch(/^distillery-gpu:/);
    expect(worker.env?.find((e) => e.name === 'DISTILLERY_BACKEND')?.value).toBe('tensorflow');
    const cpu = named<Workload>(render('cpu'), 'Deployment', 'distillery-worker-cpu') as Workload;
    for (const c of containersOf(cpu)) {
      expect(Object.keys({ ...c.resources?.requests, ...c.resources?.limits })).not.toContain('nvidia.com/gpu');
    }
    expect(cpu.spec.template.spec.containers[0]?.env?.find((e) => e.name === 'DISTILLERY_BACKEND')?.value).toBe('wasm');
  });

  it('scales GPU and CPU workers on the same query', () => {
    const query = (overlay: string) =>
      (ofKind<K8sObject & { spec: { triggers: { metadata: { query: string } }[] } }>(render(overlay), 'ScaledObject')[0]
        ?.spec.triggers[0]?.metadata.query ?? '') as string;
    expect(query('gpu')).toBe(query('cpu'));
  });

  it('keeps real secrets out of git: secret.env is ignored, the example holds placeholders only', () => {
    expect(readRepoFile('infra/k8s/.gitignore')).toMatch(/^secret\.env$/m);
    const example = readRepoFile('infra/k8s/base/secret.env.example');
    for (const [, password] of example.matchAll(/:\/\/[^:/@\s]*:([^@\s]+)@/g)) expect(password).toBe('CHANGE_ME');
  });

  const kubectl = (() => {
    try {
      execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore', timeout: 10_000 });
      return true;
    } catch {
      return false;
    }
  })();

  // Where kubectl exists (it does on the project's machines, not necessarily elsewhere), its built-in kustomize
  // must render exactly what the test renderer does, so the checks above are checks of what `apply -k` applies.
  it.skipIf(!kubectl).each(OVERLAYS)('renders overlay %s exactly as kubectl kustomize does', (overlay) => {
    const copy = mkdtempSync(join(tmpdir(), 'distillery-k8s-'));
    try {
      cpSync(join(ROOT, 'infra/k8s'), copy, { recursive: true });
      cpSync(join(copy, 'base/secret.env.example'), join(copy, 'base/secret.env'));
      const output = execFileSync('kubectl', ['kustomize', join(copy, 'overlays', overlay)], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      const key = (o: K8sObject) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
      const byKey = (list: K8sObject[]) => Object.fromEntries(list.map((o) => [key(o), o]));
      const theirs = byKey(parseAllDocuments(output).map((d) => d.toJS() as K8sObject));
      // kubectl folds long base64 values over lines.
      for (const o of Object.values(theirs) as (K8sObject & { data?: Record<string, string> })[]) {
        if (o.kind !== 'Secret' || !o.data) continue;
        o.data = Object.fromEntries(Object.entries(o.data).map(([k, v]) => [k, v.replace(/\s/g, '')]));
      }
      const ours = byKey(render(overlay).map((r) => r.object));
      expect(ours).toEqual(theirs);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('documents each overlay’s apply command in its kustomization', () => {
    for (const overlay of OVERLAYS) {
      const text = readRepoFile(`infra/k8s/overlays/${overlay}/kustomization.yaml`);
      expect(text).toContain(`kubectl apply -k infra/k8s/overlays/${overlay}`);
      expect(parseYaml(text).resources).toEqual(['../../base']);
    }
  });
});
