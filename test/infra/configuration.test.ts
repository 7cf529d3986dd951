import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseDockerfile } from './support/dockerfile.ts';
import { renderKustomization } from './support/kustomize.ts';
import { ROOT, readRepoFile } from './support/paths.ts';

/** The README's configuration table against the variables the code reads and the deployment files set. */

const SOURCE_ROOTS = ['apps', 'packages', 'bin', 'scripts', 'prisma.config.ts'];

function sourceFiles(path: string): string[] {
  const full = join(ROOT, path);
  if (!statSync(full).isDirectory()) return /\.(ts|mts|mjs|js)$/.test(path) ? [path] : [];
  return readdirSync(full).flatMap((name) =>
    ['node_modules', 'generated', 'test', 'dist'].includes(name) ? [] : sourceFiles(`${path}/${name}`),
  );
}

/**
 * Environment variables the application reads: `env.NAME`, `env['NAME']`, `const X_ENV = 'NAME'` (a name kept
 * in a constant, as packages/ml does), and any 'DISTILLERY_…' string literal (tables of variables).
 */
function variablesRead(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of SOURCE_ROOTS.flatMap(sourceFiles)) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const patterns = [
      /\benv\.([A-Z][A-Z0-9_]+)/g,
      /\benv\[['"]([A-Z][A-Z0-9_]+)['"]\]/g,
      /_ENV\s*=\s*'([A-Z][A-Z0-9_]+)'/g,
      /'(DISTILLERY_[A-Z0-9_]+)'/g,
    ];
    for (const pattern of patterns) {
      for (const m of text.matchAll(pattern)) if (!found.has(m[1] as string)) found.set(m[1] as string, file);
    }
  }
  return found;
}

/** Variable names in the first column of the README's Configuration table. */
function documented(): Set<string> {
  const readme = readRepoFile('README.md');
  const section = readme.split(/^## Configuration$/m)[1]?.split(/^## /m)[0] ?? '';
  const names = new Set<string>();
  for (const line of section.split('\n').filter((l) => l.startsWith('| `'))) {
    const first = line.split('|')[1] ?? '';
    for (const m of first.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) names.add(m[1] as string);
  }
  return names;
}

/** DISTILLERY_* variables the deployment files set: compose, the images, the Kubernetes manifests. */
function distilleryVariablesSet(): Map<string, string> {
  const set = new Map<string, string>();
  const compose = parseYaml(readRepoFile('docker-compose.yml'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, string> }>;
  };
  for (const [name, service] of Object.entries(compose.services)) {
    for (const key of Object.keys(service.environment ?? {})) set.set(key, `docker-compose.yml ${name}`);
  }
  for (const file of readdirSync(join(ROOT, 'infra/docker')).filter((f) => f.startsWith('Dockerfile'))) {
    for (const stage of parseDockerfile(readRepoFile(`infra/docker/${file}`)).stages) {
      for (const step of stage.steps.filter((s) => s.keyword === 'ENV')) {
        for (const arg of step.args) set.set(arg.split('=')[0] as string, `infra/docker/${file}`);
      }
    }
  }
  for (const overlay of readdirSync(join(ROOT, 'infra/k8s/overlays'))) {
    for (const { object, source } of renderKustomization(join(ROOT, 'infra/k8s/overlays', overlay))) {
      const text = JSON.stringify(object);
      for (const m of text.matchAll(/"(DISTILLERY_[A-Z0-9_]+)"/g)) set.set(m[1] as string, source);
    }
  }
  return new Map([...set].filter(([name]) => name.startsWith('DISTILLERY_')));
}

describe('configuration', () => {
  it('documents in the README table every environment variable the code reads', () => {
    const table = documented();
    const missing = [...variablesRead()].filter(([name]) => !table.has(name)).map(([n, file]) => `${n} (${file})`);
    expect(missing, 'add a row to the Configuration table in README.md').toEqual([]);
  });

  it('finds the variables it knows the application reads (the scan works)', () => {
    const read = variablesRead();
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'DISTILLERY_QUEUE_PREFIX', 'DISTILLERY_BACKEND', 'PORT', 'HOST']) {
      expect(read.has(name), name).toBe(true);
    }
  });

  it('sets in compose, the images and the manifests only DISTILLERY_ variables the code reads', () => {
    const read = variablesRead();
    const unknown = [...distilleryVariablesSet()].filter(([name]) => !read.has(name)).map(([n, w]) => `${n} (${w})`);
    expect(unknown).toEqual([]);
  });

  it('documents every deployment variable of .env.example and secret.env.example', () => {
    const table = documented();
    for (const file of ['.env.example', 'infra/k8s/base/secret.env.example']) {
      for (const m of readRepoFile(file).matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)) {
        expect(table.has(m[1] as string), `${m[1]} (${file})`).toBe(true);
      }
    }
  });

  it('gives the artifact directory and the SIGTERM bound the same values in compose, images and cluster', () => {
    const compose = readRepoFile('docker-compose.yml');
    const configmap = parseYaml(readRepoFile('infra/k8s/base/configmap.yaml')) as { data: Record<string, string> };
    const dir = configmap.data.DISTILLERY_ARTIFACT_DIR as string;
    expect(compose).toContain(`DISTILLERY_ARTIFACT_DIR: ${dir}`);
    for (const file of ['Dockerfile', 'Dockerfile.gpu']) {
      expect(readRepoFile(`infra/docker/${file}`), file).toContain(`DISTILLERY_ARTIFACT_DIR=${dir}`);
    }
    expect(compose).toContain(`DISTILLERY_SHUTDOWN_TIMEOUT_MS: "${configmap.data.DISTILLERY_SHUTDOWN_TIMEOUT_MS}"`);
  });
});
