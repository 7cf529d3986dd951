import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { parseEnvFile } from './env-file.ts';
import { ROOT } from './paths.ts';

/** A Kubernetes object as it appears in a manifest. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

/** One rendered object and the file it came from (relative to the repository). */
export interface Rendered {
  object: K8sObject;
  source: string;
}

/** The part of kustomize this renderer implements; anything else in a kustomization.yaml is refused. */
const SUPPORTED = new Set([
  'apiVersion',
  'kind',
  'namespace',
  'labels',
  'resources',
  'components',
  'secretGenerator',
  'generatorOptions',
]);

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass']);

interface Kustomization {
  kind?: string;
  namespace?: string;
  labels?: { pairs: Record<string, string> }[];
  resources?: string[];
  components?: string[];
  secretGenerator?: { name: string; envs?: string[] }[];
  generatorOptions?: { disableNameSuffixHash?: boolean };
}

/**
 * Renders a kustomization directory the way `kubectl kustomize` does for the features infra/k8s uses: resources
 * (files and directories), components, namespace, metadata labels, and Secrets from env files. So the manifests
 * are checked without kubectl; where kubectl exists, a test compares the two renderings.
 *
 * A generator's env file that is git-ignored (secret.env) is read from its committed `.example` when absent.
 */
export function renderKustomization(dir: string): Rendered[] {
  const file = join(dir, 'kustomization.yaml');
  const k = parseYaml(readFileSync(file, 'utf8')) as Kustomization;
  const unsupported = Object.keys(k).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length > 0) {
    throw new Error(
      `${relative(ROOT, file)}: ${unsupported.join(', ')} not implemented by test/infra/support/kustomize.ts`,
    );
  }
  if (k.secretGenerator && !k.generatorOptions?.disableNameSuffixHash) {
    throw new Error(`${relative(ROOT, file)}: hashed generator names are not implemented by the test renderer`);
  }
  const out: Rendered[] = [];
  for (const entry of [...(k.resources ?? []), ...(k.components ?? [])]) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...renderKustomization(path));
    else out.push(...readManifest(path));
  }
  for (const generator of k.secretGenerator ?? []) {
    const data: Record<string, string> = {};
    for (const env of generator.envs ?? []) {
      const path = existsSync(join(dir, env)) ? join(dir, env) : join(dir, `${env}.example`);
      for (const [key, value] of parseEnvFile(readFileSync(path, 'utf8')).values) {
        data[key] = Buffer.from(value).toString('base64');
      }
    }
    out.push({
      object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: generator.name }, type: 'Opaque', data },
      source: relative(ROOT, file),
    });
  }
  for (const { object } of out) {
    if (k.namespace && !CLUSTER_SCOPED.has(object.kind)) object.metadata.namespace = k.namespace;
    for (const { pairs } of k.labels ?? []) object.metadata.labels = { ...object.metadata.labels, ...pairs };
  }
  return out;
}

/** Every document of a manifest file (multi-document YAML allowed). */
export function readManifest(path: string): Rendered[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null)
    .map((object) => ({ object, source: relative(ROOT, path) }));
}
